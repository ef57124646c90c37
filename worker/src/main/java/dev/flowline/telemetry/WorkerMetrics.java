package dev.flowline.telemetry;

import dev.flowline.batching.BatchRecord;
import dev.flowline.batching.LearnedCost;
import dev.flowline.kafka.EdgeMetrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * The worker's Micrometer meters (served in Prometheus format at {@code /metrics}). Thread-safe: meters are
 * updated from the device thread (batches) and the Vert.x contexts (jobs, dead letters).
 *
 * <p>Names (Prometheus form): {@code flowline_jobs_completed_total{status,model}},
 * {@code flowline_dead_letters_total{code}}, {@code flowline_batch_rows} (histogram),
 * {@code flowline_model_call_seconds}, {@code flowline_batch_wait_seconds}, {@code flowline_job_total_seconds{status}},
 * {@code flowline_result_bytes}, {@code flowline_dedup_rows_total} (model rows saved by identical-sample deduplication),
 * {@code flowline_dedup_samples_total} (result samples computed once for several jobs),
 * {@code flowline_preview_decode_rows_total} (decoder rows of latent models' previews), {@code flowline_preview_dropped_total}
 * (latent previews whose decode failed, not sent), gauges {@code flowline_queue_depth}, {@code flowline_active_samples},
 * {@code flowline_jobs_in_flight}, {@code flowline_records_outstanding}, {@code flowline_partitions_assigned},
 * {@code flowline_partitions_paused}. Kafka client metrics (consumer lag: {@code kafka_consumer_fetch_manager_records_lag_max})
 * are bound by the worker next to these.
 */
public final class WorkerMetrics implements EdgeMetrics {
    private final MeterRegistry registry;
    private final DistributionSummary batchRows;
    private final Timer modelTime;
    private final Timer waitTime;
    private final DistributionSummary resultBytes;
    private final Counter dedupedRows;
    private final Counter dedupedSamples;
    private final Counter previewDecodeRows;
    private final Counter previewsDropped;
    private final AtomicInteger queueDepth = new AtomicInteger();
    private final AtomicInteger activeSamples = new AtomicInteger();
    private final AtomicInteger outstanding = new AtomicInteger();
    private final AtomicInteger assigned = new AtomicInteger();
    private final AtomicInteger paused = new AtomicInteger();
    private volatile Supplier<List<LearnedCost>> learnedCosts;
    private final java.util.Set<String> costGroups = java.util.concurrent.ConcurrentHashMap.newKeySet();

    public WorkerMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.batchRows = DistributionSummary.builder("flowline.batch.rows").description("Rows per model call")
                .serviceLevelObjectives(1, 2, 4, 8, 16, 32, 64, 128, 256, 512).register(registry);
        this.modelTime = Timer.builder("flowline.model.call").description("Time inside one model call")
                .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofSeconds(10))
                .register(registry);
        this.waitTime = Timer.builder("flowline.batch.wait").description("Time a batch waited for company (maxDelay window)").register(registry);
        this.dedupedRows = Counter.builder("flowline.dedup.rows").description("Model rows saved by computing identical in-flight samples once")
                .register(registry);
        this.dedupedSamples = Counter.builder("flowline.dedup.samples")
                .description("Samples of published results that an identical in-flight sample of another job computed").register(registry);
        this.previewDecodeRows = Counter.builder("flowline.preview.decode.rows")
                .description("Decoder rows spent on latent models' preview estimates (their final latents not included)").register(registry);
        this.previewsDropped = Counter.builder("flowline.preview.dropped")
                .description("Previews of latent models not sent because their decode failed (their jobs went on)").register(registry);
        this.resultBytes = DistributionSummary.builder("flowline.result.bytes").description("Encoded size of result records").baseUnit("bytes").register(registry);
        Gauge.builder("flowline.queue.depth", queueDepth, AtomicInteger::get).description("Admitted jobs waiting for their first evaluation").register(registry);
        Gauge.builder("flowline.active.samples", activeSamples, AtomicInteger::get).description("Samples being integrated").register(registry);
        Gauge.builder("flowline.records.outstanding", outstanding, AtomicInteger::get).description("Job records received and not yet done").register(registry);
        Gauge.builder("flowline.partitions.assigned", assigned, AtomicInteger::get).description("Jobs partitions assigned to this worker").register(registry);
        Gauge.builder("flowline.partitions.paused", paused, AtomicInteger::get).description("Jobs partitions paused by backpressure").register(registry);
    }

    public MeterRegistry registry() {
        return registry;
    }

    /**
     * The scheduler's learned call cost per group, read when scraped: {@code flowline_batch_cost_per_call_micros},
     * {@code flowline_batch_cost_per_row_micros} and {@code flowline_batch_target_rows}, tagged by group and kind.
     * Groups appear as the scheduler meets them; a group's gauges are registered the first time it is seen.
     */
    public void bindLearnedCosts(Supplier<List<LearnedCost>> learnedCosts) {
        this.learnedCosts = learnedCosts;
        refreshLearnedCosts();
    }

    /** Registers gauges for groups first seen since the last call (cheap; called on every model-call record too). */
    private void refreshLearnedCosts() {
        if (learnedCosts == null) return;
        for (LearnedCost m : learnedCosts.get()) {
            if (!costGroups.add(m.groupKey())) continue;
            Tags tags = Tags.of("group", m.groupKey(), "kind", m.kind());
            Gauge.builder("flowline.batch.cost.per.call.micros", () -> costOf(m.groupKey(), LearnedCost::perCallMicros)).tags(tags)
                    .description("Learned fixed cost of a model call").register(registry);
            Gauge.builder("flowline.batch.cost.per.row.micros", () -> costOf(m.groupKey(), LearnedCost::perRowMicros)).tags(tags)
                    .description("Learned marginal cost of a row").register(registry);
            Gauge.builder("flowline.batch.target.rows", () -> costOf(m.groupKey(), c -> c.targetRows())).tags(tags)
                    .description("Rows the scheduler aims at per call from the learned cost").register(registry);
        }
    }

    private double costOf(String groupKey, java.util.function.ToDoubleFunction<LearnedCost> f) {
        for (LearnedCost m : learnedCosts.get()) if (m.groupKey().equals(groupKey)) return f.applyAsDouble(m);
        return Double.NaN;
    }

    /** Jobs admitted and not completed, read from the scheduler when scraped. */
    public void bindJobsInFlight(Supplier<Number> jobsInFlight) {
        Gauge.builder("flowline.jobs.in.flight", jobsInFlight).description("Jobs admitted to the scheduler and not completed").register(registry);
    }

    public void batch(BatchRecord r) {
        batchRows.record(r.rows());
        modelTime.record(r.modelNanos(), TimeUnit.NANOSECONDS);
        waitTime.record(r.waitNanos(), TimeUnit.NANOSECONDS);
        queueDepth.set(r.queuedJobs());
        activeSamples.set(r.activeSamples());
        if (r.dedupedRows() > 0) dedupedRows.increment(r.dedupedRows());
        if (r.previewRows() > 0) previewDecodeRows.increment(r.previewRows());
        if (r.previewsDropped() > 0) previewsDropped.increment(r.previewsDropped());
        if (!costGroups.contains(r.groupKey())) refreshLearnedCosts();
    }

    /** A published result's samples that followed another job's identical sample. */
    @Override
    public void dedupedSamples(int samples) {
        if (samples > 0) dedupedSamples.increment(samples);
    }

    @Override
    public void jobCompleted(String status, String model, long totalMillis) {
        Counter.builder("flowline.jobs.completed").description("Jobs completed, by status").tag("status", status).tag("model", model)
                .register(registry).increment();
        Timer.builder("flowline.job.total").description("From the record's timestamp to the result").tag("status", status)
                .register(registry).record(Math.max(0, totalMillis), TimeUnit.MILLISECONDS);
    }

    @Override
    public void resultPublished(int bytes) {
        resultBytes.record(bytes);
    }

    @Override
    public void deadLettered(String code) {
        Counter.builder("flowline.dead.letters").description("Records sent to the dead-letter topic, by reason").tag("code", code)
                .register(registry).increment();
    }

    /** A record an earlier owner of its partition finished (commit metadata), skipped instead of run again. */
    @Override
    public void recordSkipped() {
        Counter.builder("flowline.records.skipped").description("Job records skipped because an earlier owner finished them (commit metadata)")
                .register(registry).increment();
    }

    public double recordsSkipped() {
        return registry.find("flowline.records.skipped").counters().stream().mapToDouble(Counter::count).sum();
    }

    /** Share intake: records acknowledged, by type (ACCEPT, REJECT, RELEASE, RENEW; FAILED: the broker refused them). */
    @Override
    public void shareAcknowledged(String type, int count) {
        if (count <= 0) return;
        Counter.builder("flowline.share.acknowledged").description("Job records acknowledged to the share group, by type")
                .tag("type", type).register(registry).increment(count);
    }

    public double shareAcknowledged(String type) {
        return registry.find("flowline.share.acknowledged").tag("type", type).counters().stream().mapToDouble(Counter::count).sum();
    }

    @Override
    public void partitionsRemoved(String how, int count) {
        Counter.builder("flowline.partitions.removed").description("Jobs partitions revoked from or lost by this worker")
                .tag("how", how).register(registry).increment(count);
    }

    /** Partitions removed so far (tests: a member that stays in the group loses none). */
    public double partitionsRemoved() {
        return registry.find("flowline.partitions.removed").counters().stream().mapToDouble(Counter::count).sum();
    }

    @Override
    public void intakeState(int assignedPartitions, int pausedPartitions, int outstandingRecords) {
        assigned.set(assignedPartitions);
        paused.set(pausedPartitions);
        outstanding.set(outstandingRecords);
    }

    /** Partitions paused now (tests and logs). */
    public int pausedPartitions() {
        return paused.get();
    }

    /** Count of jobs completed with this status so far (tests and logs). */
    public double completed(String status) {
        return registry.find("flowline.jobs.completed").tag("status", status).counters().stream().mapToDouble(Counter::count).sum();
    }
}
