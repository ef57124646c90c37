package dev.flowline.telemetry;

import dev.flowline.avro.BatchGroupStats;
import dev.flowline.avro.BatchInterval;
import dev.flowline.avro.GroupCostCurve;
import dev.flowline.batching.LearnedCost;
import java.util.List;
import java.util.function.Supplier;
import dev.flowline.avro.GenerationResult;
import dev.flowline.avro.JobCompleted;
import dev.flowline.avro.TelemetryEvent;
import dev.flowline.batching.BatchRecord;
import dev.flowline.config.TelemetryOptions;
import dev.flowline.schema.MessageCodec;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;

/**
 * Sends telemetry events keyed by worker id: one {@code BatchInterval} per interval with the model calls of each
 * compatibility group (none when the interval had no call), and one {@code JobCompleted} per job. Best effort: a
 * telemetry send that fails is logged, never retried, and never holds anything back.
 */
public final class TelemetryVerticle extends VerticleBase {
    private static final Logger log = LoggerFactory.getLogger(TelemetryVerticle.class);

    /** Sends one record (topic, key, value); the worker's shared producer. */
    public interface Sender {
        Future<?> send(String topic, String key, byte[] value);
    }

    private final TelemetryOptions options;
    private final String topic;
    private final String workerId;
    private final MessageCodec codec;
    private final Sender sender;
    private Supplier<List<LearnedCost>> learnedCosts = List::of;
    private BatchAggregator aggregator;
    private long timer = -1;

    public TelemetryVerticle(TelemetryOptions options, String topic, String workerId, MessageCodec codec, Sender sender) {
        this.options = options;
        this.topic = topic;
        this.workerId = workerId;
        this.codec = codec;
        this.sender = sender;
    }

    /** Where each interval reads the scheduler's learned cost curves from (none by default). */
    public TelemetryVerticle withLearnedCosts(Supplier<List<LearnedCost>> learnedCosts) {
        this.learnedCosts = learnedCosts;
        return this;
    }

    @Override
    public Future<?> start() {
        aggregator = new BatchAggregator(System.currentTimeMillis());
        if (options.enabled()) timer = vertx.setPeriodic(options.interval().toMillis(), t -> flush());
        return Future.succeededFuture();
    }

    /** After each model call (device thread). */
    public void batch(BatchRecord r) {
        if (options.enabled()) context.runOnContext(v -> aggregator.add(r));
    }

    /** A job's result was acked (any thread). */
    public void jobCompleted(GenerationResult r, int samples) {
        if (!options.enabled() || !options.jobEvents()) return;
        JobCompleted e = JobCompleted.newBuilder().setJobId(r.getJobId()).setModel(r.getModel()).setStatus(r.getStatus())
                .setErrorCode(r.getErrorCode()).setSamples(samples).setNfe(r.getNfe())
                .setQueuedMs(r.getTimings().getQueuedMs()).setSamplingMs(r.getTimings().getSamplingMs())
                .setTotalMs(r.getTimings().getTotalMs()).setMeanBatchRows(r.getBatchStats().getMeanBatchRows()).build();
        context.runOnContext(v -> send(event(e)));
    }

    /** Closes the current interval and sends it (on this context; also on stop). */
    private void flush() {
        aggregator.flush(System.currentTimeMillis()).ifPresent(i -> send(event(toAvro(i, learnedCosts.get()))));
    }

    static BatchInterval toAvro(BatchAggregator.Interval i, List<LearnedCost> costs) {
        return BatchInterval.newBuilder().setIntervalStart(Instant.ofEpochMilli(i.startMillis()))
                .setIntervalEnd(Instant.ofEpochMilli(i.endMillis())).setQueuedJobs(i.queuedJobs())
                .setActiveSamples(i.activeSamples())
                .setDedupedRows(i.dedupedRows())
                .setGroups(i.groups().stream().map(g -> BatchGroupStats.newBuilder().setGroupKey(g.groupKey())
                        .setModelCalls(g.modelCalls()).setRows(g.rows()).setMaxRows(g.maxRows())
                        .setModelMs(g.modelMs()).setWaitMs(g.waitMs()).build()).toList())
                .setCostCurves(costs.stream().map(c -> GroupCostCurve.newBuilder().setGroupKey(c.groupKey()).setKind(c.kind())
                        .setCostPerCallUs(c.perCallMicros()).setCostPerRowUs(c.perRowMicros()).setTargetRows(c.targetRows()).build()).toList())
                .build();
    }

    private TelemetryEvent event(Object payload) {
        return TelemetryEvent.newBuilder().setWorkerId(workerId).setTimestamp(Instant.now()).setEvent(payload).build();
    }

    private void send(TelemetryEvent e) {
        sender.send(topic, workerId, codec.encode(e)).onFailure(err -> log.debug("telemetry event not sent: {}", err.toString()));
    }

    @Override
    public Future<?> stop() {
        if (timer >= 0) vertx.cancelTimer(timer);
        if (options.enabled()) flush();
        return Future.succeededFuture();
    }
}
