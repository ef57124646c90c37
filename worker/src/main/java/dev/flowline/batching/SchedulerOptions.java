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
 */
public record SchedulerOptions(BatchingMode mode, int maxBatchRows, long maxDelayMicros, int maxActiveSamples,
                               int maxJobsInFlight, int resumeBelowJobs, DeadlinePolicy deadlinePolicy,
                               long agingMillisPerLevel) {

    public static final BatchingMode DEFAULT_MODE = BatchingMode.CONTINUOUS;
    public static final int DEFAULT_MAX_BATCH_ROWS = 64;
    public static final long DEFAULT_MAX_DELAY_MICROS = 200;
    public static final int DEFAULT_MAX_ACTIVE_SAMPLES = 256;
    public static final int DEFAULT_MAX_JOBS_IN_FLIGHT = 512;
    public static final DeadlinePolicy DEFAULT_DEADLINE_POLICY = DeadlinePolicy.ANYTIME;
    public static final long DEFAULT_AGING_MILLIS_PER_LEVEL = 1000;

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
    }

    public static SchedulerOptions defaults() {
        return new SchedulerOptions(DEFAULT_MODE, DEFAULT_MAX_BATCH_ROWS, DEFAULT_MAX_DELAY_MICROS, DEFAULT_MAX_ACTIVE_SAMPLES,
                DEFAULT_MAX_JOBS_IN_FLIGHT, Math.max(1, DEFAULT_MAX_JOBS_IN_FLIGHT / 2), DEFAULT_DEADLINE_POLICY,
                DEFAULT_AGING_MILLIS_PER_LEVEL);
    }

    public SchedulerOptions withMode(BatchingMode v) { return new SchedulerOptions(v, maxBatchRows, maxDelayMicros, maxActiveSamples, maxJobsInFlight, resumeBelowJobs, deadlinePolicy, agingMillisPerLevel); }
    public SchedulerOptions withMaxBatchRows(int v) { return new SchedulerOptions(mode, v, maxDelayMicros, maxActiveSamples, maxJobsInFlight, resumeBelowJobs, deadlinePolicy, agingMillisPerLevel); }
    public SchedulerOptions withMaxDelayMicros(long v) { return new SchedulerOptions(mode, maxBatchRows, v, maxActiveSamples, maxJobsInFlight, resumeBelowJobs, deadlinePolicy, agingMillisPerLevel); }
    public SchedulerOptions withMaxActiveSamples(int v) { return new SchedulerOptions(mode, maxBatchRows, maxDelayMicros, v, maxJobsInFlight, resumeBelowJobs, deadlinePolicy, agingMillisPerLevel); }
    /** Also sets resumeBelowJobs to half of it. */
    public SchedulerOptions withMaxJobsInFlight(int v) { return new SchedulerOptions(mode, maxBatchRows, maxDelayMicros, maxActiveSamples, v, Math.max(1, v / 2), deadlinePolicy, agingMillisPerLevel); }
    public SchedulerOptions withResumeBelowJobs(int v) { return new SchedulerOptions(mode, maxBatchRows, maxDelayMicros, maxActiveSamples, maxJobsInFlight, v, deadlinePolicy, agingMillisPerLevel); }
    public SchedulerOptions withDeadlinePolicy(DeadlinePolicy v) { return new SchedulerOptions(mode, maxBatchRows, maxDelayMicros, maxActiveSamples, maxJobsInFlight, resumeBelowJobs, v, agingMillisPerLevel); }
    public SchedulerOptions withAgingMillisPerLevel(long v) { return new SchedulerOptions(mode, maxBatchRows, maxDelayMicros, maxActiveSamples, maxJobsInFlight, resumeBelowJobs, deadlinePolicy, v); }
}
