package dev.flowline.batching;

/**
 * Options of the {@link Scheduler}; immutable, validated at construction, defaults as constants below.
 *
 * @param mode                 batching mode (default CONTINUOUS)
 * @param maxBatchRows         most rows in one model call (default 64); a guided evaluation takes two rows
 * @param maxDelayMicros       how long an under-full batch may wait for company while the device would otherwise idle (default 200 µs)
 * @param maxActiveSamples     samples being integrated at once; the rest of the admitted jobs wait in the queue (default 256)
 * @param maxJobsInFlight      admitted jobs (queued + running) above which offers are rejected FULL (default 512)
 * @param resumeBelowJobs      the capacity listener fires when in-flight jobs fall below this after a rejection (default half of maxJobsInFlight)
 * @param deadlinePolicy       when late jobs expire (default ANYTIME)
 * @param agingMillisPerLevel  waiting this long raises a job's effective priority by one, so low priorities never starve (default 1000 ms)
 * @param policy               how CONTINUOUS mode ranks ready work when a call cannot take it all (default LEAST_SLACK_FIRST)
 * @param maxCallMicros        per-call latency bound of the learned call size: CONTINUOUS calls are sized to the most
 *                             rows per second among sizes whose measured call time stays under it (default 50 ms);
 *                             {@code maxBatchRows} is the ceiling
 * @param latencyTargetMillis  for jobs with a step range and no deadline: the latency the step count is chosen to meet at
 *                             the current load (default 0: no target, such jobs run their largest count)
 * @param dedup                identical in-flight samples (equal {@link Job#dedupKey()} and sample index) are computed
 *                             once and shared by their jobs (default true)
 */
public record SchedulerOptions(BatchingMode mode, int maxBatchRows, long maxDelayMicros, int maxActiveSamples,
                               int maxJobsInFlight, int resumeBelowJobs, DeadlinePolicy deadlinePolicy,
                               long agingMillisPerLevel, OrderingPolicy policy, long maxCallMicros,
                               long latencyTargetMillis, boolean dedup) {

    public static final BatchingMode DEFAULT_MODE = BatchingMode.CONTINUOUS;
    public static final int DEFAULT_MAX_BATCH_ROWS = 64;
    public static final long DEFAULT_MAX_DELAY_MICROS = 200;
    public static final int DEFAULT_MAX_ACTIVE_SAMPLES = 256;
    public static final int DEFAULT_MAX_JOBS_IN_FLIGHT = 512;
    public static final DeadlinePolicy DEFAULT_DEADLINE_POLICY = DeadlinePolicy.ANYTIME;
    public static final long DEFAULT_AGING_MILLIS_PER_LEVEL = 1000;
    public static final OrderingPolicy DEFAULT_POLICY = OrderingPolicy.LEAST_SLACK_FIRST;
    public static final long DEFAULT_MAX_CALL_MICROS = 50_000;
    public static final long DEFAULT_LATENCY_TARGET_MILLIS = 0;
    public static final boolean DEFAULT_DEDUP = true;

    public SchedulerOptions {
        if (mode == null) throw new IllegalArgumentException("batching.mode must be set");
        if (maxBatchRows < 2) throw new IllegalArgumentException("batching.maxBatchRows must be >= 2 (a guided evaluation takes two rows), got " + maxBatchRows);
        if (maxDelayMicros < 0) throw new IllegalArgumentException("batching.maxDelayMicros must be >= 0, got " + maxDelayMicros);
        if (maxActiveSamples < 1) throw new IllegalArgumentException("batching.maxActiveSamples must be >= 1, got " + maxActiveSamples);
        if (maxJobsInFlight < 1) throw new IllegalArgumentException("batching.maxJobsInFlight must be >= 1, got " + maxJobsInFlight);
        if (resumeBelowJobs < 1 || resumeBelowJobs > maxJobsInFlight)
            throw new IllegalArgumentException("batching.resumeBelowJobs must be in [1, maxJobsInFlight=" + maxJobsInFlight + "], got " + resumeBelowJobs);
        if (deadlinePolicy == null) throw new IllegalArgumentException("batching.deadlinePolicy must be set");
        if (agingMillisPerLevel < 1) throw new IllegalArgumentException("batching.agingMillisPerLevel must be >= 1, got " + agingMillisPerLevel);
        if (policy == null) throw new IllegalArgumentException("batching.policy must be set");
        if (maxCallMicros < 1) throw new IllegalArgumentException("batching.maxCallMicros must be >= 1, got " + maxCallMicros);
        if (latencyTargetMillis < 0) throw new IllegalArgumentException("batching.latencyTargetMs must be >= 0, got " + latencyTargetMillis);
    }

    /** Options with deduplication at its default (on). */
    public SchedulerOptions(BatchingMode mode, int maxBatchRows, long maxDelayMicros, int maxActiveSamples,
                            int maxJobsInFlight, int resumeBelowJobs, DeadlinePolicy deadlinePolicy,
                            long agingMillisPerLevel, OrderingPolicy policy, long maxCallMicros, long latencyTargetMillis) {
        this(mode, maxBatchRows, maxDelayMicros, maxActiveSamples, maxJobsInFlight, resumeBelowJobs, deadlinePolicy,
                agingMillisPerLevel, policy, maxCallMicros, latencyTargetMillis, DEFAULT_DEDUP);
    }

    public static SchedulerOptions defaults() {
        return new SchedulerOptions(DEFAULT_MODE, DEFAULT_MAX_BATCH_ROWS, DEFAULT_MAX_DELAY_MICROS, DEFAULT_MAX_ACTIVE_SAMPLES,
                DEFAULT_MAX_JOBS_IN_FLIGHT, Math.max(1, DEFAULT_MAX_JOBS_IN_FLIGHT / 2), DEFAULT_DEADLINE_POLICY,
                DEFAULT_AGING_MILLIS_PER_LEVEL, DEFAULT_POLICY, DEFAULT_MAX_CALL_MICROS, DEFAULT_LATENCY_TARGET_MILLIS);
    }

    public SchedulerOptions withMode(BatchingMode v) { return new SchedulerOptions(v, maxBatchRows, maxDelayMicros, maxActiveSamples, maxJobsInFlight, resumeBelowJobs, deadlinePolicy, agingMillisPerLevel, policy, maxCallMicros, latencyTargetMillis, dedup); }
    public SchedulerOptions withMaxBatchRows(int v) { return new SchedulerOptions(mode, v, maxDelayMicros, maxActiveSamples, maxJobsInFlight, resumeBelowJobs, deadlinePolicy, agingMillisPerLevel, policy, maxCallMicros, latencyTargetMillis, dedup); }
    public SchedulerOptions withMaxDelayMicros(long v) { return new SchedulerOptions(mode, maxBatchRows, v, maxActiveSamples, maxJobsInFlight, resumeBelowJobs, deadlinePolicy, agingMillisPerLevel, policy, maxCallMicros, latencyTargetMillis, dedup); }
    public SchedulerOptions withMaxActiveSamples(int v) { return new SchedulerOptions(mode, maxBatchRows, maxDelayMicros, v, maxJobsInFlight, resumeBelowJobs, deadlinePolicy, agingMillisPerLevel, policy, maxCallMicros, latencyTargetMillis, dedup); }
    /** Also sets resumeBelowJobs to half of it. */
    public SchedulerOptions withMaxJobsInFlight(int v) { return new SchedulerOptions(mode, maxBatchRows, maxDelayMicros, maxActiveSamples, v, Math.max(1, v / 2), deadlinePolicy, agingMillisPerLevel, policy, maxCallMicros, latencyTargetMillis, dedup); }
    public SchedulerOptions withResumeBelowJobs(int v) { return new SchedulerOptions(mode, maxBatchRows, maxDelayMicros, maxActiveSamples, maxJobsInFlight, v, deadlinePolicy, agingMillisPerLevel, policy, maxCallMicros, latencyTargetMillis, dedup); }
    public SchedulerOptions withDeadlinePolicy(DeadlinePolicy v) { return new SchedulerOptions(mode, maxBatchRows, maxDelayMicros, maxActiveSamples, maxJobsInFlight, resumeBelowJobs, v, agingMillisPerLevel, policy, maxCallMicros, latencyTargetMillis, dedup); }
    public SchedulerOptions withAgingMillisPerLevel(long v) { return new SchedulerOptions(mode, maxBatchRows, maxDelayMicros, maxActiveSamples, maxJobsInFlight, resumeBelowJobs, deadlinePolicy, v, policy, maxCallMicros, latencyTargetMillis, dedup); }
    public SchedulerOptions withPolicy(OrderingPolicy v) { return new SchedulerOptions(mode, maxBatchRows, maxDelayMicros, maxActiveSamples, maxJobsInFlight, resumeBelowJobs, deadlinePolicy, agingMillisPerLevel, v, maxCallMicros, latencyTargetMillis, dedup); }
    public SchedulerOptions withMaxCallMicros(long v) { return new SchedulerOptions(mode, maxBatchRows, maxDelayMicros, maxActiveSamples, maxJobsInFlight, resumeBelowJobs, deadlinePolicy, agingMillisPerLevel, policy, v, latencyTargetMillis, dedup); }
    public SchedulerOptions withLatencyTargetMillis(long v) { return new SchedulerOptions(mode, maxBatchRows, maxDelayMicros, maxActiveSamples, maxJobsInFlight, resumeBelowJobs, deadlinePolicy, agingMillisPerLevel, policy, maxCallMicros, v, dedup); }
    public SchedulerOptions withDedup(boolean v) { return new SchedulerOptions(mode, maxBatchRows, maxDelayMicros, maxActiveSamples, maxJobsInFlight, resumeBelowJobs, deadlinePolicy, agingMillisPerLevel, policy, maxCallMicros, latencyTargetMillis, v); }
}
