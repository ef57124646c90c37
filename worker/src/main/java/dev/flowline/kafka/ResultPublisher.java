package dev.flowline.kafka;

import dev.flowline.avro.GenerationResult;
import dev.flowline.avro.Preview;
import dev.flowline.avro.ProgressEvent;
import dev.flowline.batching.Job;
import dev.flowline.batching.JobOutcome;
import dev.flowline.schema.MessageCodec;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import org.apache.kafka.common.errors.RecordTooLargeException;
import dev.flowline.kafka.ResultBuilder.Built;
import dev.flowline.output.OutputOffloader;
import dev.flowline.output.StoredObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * Turns finished jobs into acked result records: encodes the samples on a worker thread; when they are larger than
 * {@code outputs.inlineMaxBytes} and an output store is configured, writes them to the store first (asynchronously,
 * with bounded retries; the job ends FAILED {@code OUTPUT_STORE_ERROR} when the store does not take them) and
 * puts references in the record; sends the result keyed by job id, and only when the broker acks hands the record
 * back to the intake as done. Also sends throttled progress events. All state is confined to this verticle's context.
 */
public final class ResultPublisher extends VerticleBase implements IntakeVerticle.CompletionSink {
    private static final Logger log = LoggerFactory.getLogger(ResultPublisher.class);

    private final String resultsTopic;
    private final String progressTopic;
    private final String workerId;
    private final ResultBuilder builder;
    private final MessageCodec codec;
    private final OutputPublisher publisher;
    private final EdgeMetrics metrics;
    private final ProgressThrottle throttle;
    private final Consumer<RecordRef> done;
    /** Told when a record's result could not be published at all (its record is to be delivered again). */
    private volatile Consumer<RecordRef> notPublished = ref -> { };
    private final ResultListener resultListener;
    private final OutputOffloader offloader;

    /** Results being built or sent. */
    private int pending;
    private final List<Promise<Void>> idleWaiters = new ArrayList<>();
    /** Progress jobs whose final event went out. */
    private final Set<String> finalSent = new HashSet<>();

    public ResultPublisher(String resultsTopic, String progressTopic, String workerId, ResultBuilder builder, MessageCodec codec,
                           OutputPublisher publisher, EdgeMetrics metrics, long progressIntervalMillis,
                           Consumer<RecordRef> done, ResultListener published, OutputOffloader offloader) {
        this.resultsTopic = resultsTopic;
        this.progressTopic = progressTopic;
        this.workerId = workerId;
        this.builder = builder;
        this.codec = codec;
        this.publisher = publisher;
        this.metrics = metrics;
        this.throttle = new ProgressThrottle(progressIntervalMillis);
        this.done = done;
        this.resultListener = published;
        this.offloader = offloader;
    }

    /** Told of every result the broker acked, with the samples its job asked for (the worker's telemetry events). */
    @FunctionalInterface
    public interface ResultListener {
        void published(GenerationResult result, int samples);
    }

    /** A prepared result, and either the built one (samples inline) or the writes of its samples to the output store. */
    private record Stage(ResultBuilder.Prepared prepared, Built inline, CompletableFuture<List<StoredObject>> stored) {}

    @Override
    public Future<?> start() {
        return Future.succeededFuture();
    }

    /** A job ended (scheduler's device thread, or the intake for jobs cancelled before admission). */
    @Override
    public void completed(JobOutcome outcome) {
        context.runOnContext(v -> publish(outcome));
    }

    private void publish(JobOutcome outcome) {
        JobTicket ticket = JobTicket.of(outcome.job());
        pending++;
        if (outcome.job().progress()) finalProgress(outcome, ticket);
        vertx.executeBlocking(() -> stage(builder.prepare(outcome, ticket, System.currentTimeMillis())), false)
                .compose(stage -> stage.inline() != null ? Future.succeededFuture(stage.inline()) : placed(stage, ticket))
                .compose(built -> publisher.sendReliably(resultsTopic, ticket.jobId(), built.bytes(), () -> true).map(built))
                .onComplete(ar -> {
                    if (ar.succeeded()) {
                        GenerationResult r = ar.result().result();
                        done.accept(ticket.record());
                        metrics.jobCompleted(r.getStatus().name(), r.getModel(), r.getTimings().getTotalMs());
                        metrics.dedupedSamples(r.getDedupedSamples());
                        metrics.resultPublished(ar.result().bytes().length);
                        resultListener.published(r, ticket.numSamples());
                    } else if (ar.cause() instanceof RecordTooLargeException || !(ar.cause() instanceof org.apache.kafka.common.KafkaException)) {
                        // Not retriable (the broker refuses the record, or building it failed): a redelivery would fail
                        // again and hold the partition forever. Publish a small FAILED result instead.
                        log.error("result of job {} ({}) cannot be published; sending a FAILED result without outputs",
                                ticket.jobId(), ticket.record(), ar.cause());
                        publishUnpublishable(ticket, ar.cause());
                    } else {
                        log.error("result of job {} ({}) could not be published; its record will be redelivered",
                                ticket.jobId(), ticket.record(), ar.cause());
                        notPublished.accept(ticket.record());
                    }
                    if (--pending == 0) {
                        idleWaiters.forEach(Promise::tryComplete);
                        idleWaiters.clear();
                    }
                });
    }

    /**
     * On the worker thread: the inline result, or the start of the writes to the output store (checksums are computed
     * here, before the requests go out, so that no event loop hashes megabytes).
     */
    private Stage stage(ResultBuilder.Prepared p) {
        if (p.samples().isEmpty() || !offloader.byReference(p.sampleBytes())) return new Stage(p, builder.inline(p), null);
        return new Stage(p, null, offloader.store(p.ticket().model(), p.ticket().jobId(), p.samples()));
    }

    /** Once the samples are written and verified: the result with their references (or FAILED OUTPUT_STORE_ERROR). */
    private Future<Built> placed(Stage stage, JobTicket ticket) {
        ResultBuilder.Prepared p = stage.prepared();
        return Future.fromCompletionStage(stage.stored(), context)
                .map(stored -> builder.byReference(p, stored))
                .recover(err -> {
                    log.error("the output store did not take the samples of job {} ({}); it ends FAILED {}: {}", ticket.jobId(),
                            ticket.record(), ResultBuilder.OUTPUT_STORE_ERROR, err.getMessage());
                    return Future.succeededFuture(builder.storeFailed(p, err));
                });
    }

    private void publishUnpublishable(JobTicket ticket, Throwable cause) {
        pending++;
        Built built = builder.unpublishable(ticket, cause, System.currentTimeMillis());
        publisher.sendReliably(resultsTopic, ticket.jobId(), built.bytes(), () -> true).onComplete(ar -> {
            if (ar.succeeded()) {
                done.accept(ticket.record());
                metrics.jobCompleted(built.result().getStatus().name(), built.result().getModel(), 0);
            } else {
                log.error("the FAILED result of job {} ({}) was not published either; its record will be redelivered",
                        ticket.jobId(), ticket.record(), ar.cause());
                notPublished.accept(ticket.record());
            }
            if (--pending == 0) {
                idleWaiters.forEach(Promise::tryComplete);
                idleWaiters.clear();
            }
        });
    }

    /**
     * Where records go whose result could not be published at all. The group intake needs nothing (the record stays
     * below the commit and is read again); the share intake releases it, or it would hold the record and its poll.
     */
    public void onNotPublished(Consumer<RecordRef> hook) {
        this.notPublished = hook;
    }

    /** Progress of a job that asked for it (device thread); throttled per job, the final one always sent. */
    public void progress(Job job, int stepsDone, int totalSteps, int samplesDone) {
        progress(job, stepsDone, totalSteps, samplesDone, 0);
    }

    /** {@link #progress(Job, int, int, int)} with the decoder calls so far (latent models). */
    public void progress(Job job, int stepsDone, int totalSteps, int samplesDone, int decodeCalls) {
        context.runOnContext(v -> {
            JobTicket t = JobTicket.of(job);
            boolean last = samplesDone >= t.numSamples();
            if (last && finalSent.contains(job.jobId())) return;
            if (!throttle.shouldEmit(job.jobId(), System.currentTimeMillis(), last)) return;
            if (last) finalSent.add(job.jobId());
            sendProgress(t, stepsDone, totalSteps, samplesDone, decodeCalls);
        });
    }

    /**
     * A preview (device thread): always sent, never throttled, as a progress event carrying the PNG. Encoded here on
     * this context, in arrival order, so previews go out in step order after the progress of their tick; the image is
     * bounded by {@link PreviewEncoder} (at most 64 pixels a side), which keeps that cheap.
     */
    public void preview(dev.flowline.batching.SamplePreview p) {
        context.runOnContext(v -> {
            JobTicket t = JobTicket.of(p.job());
            if (t.preview() == null) return;
            if (finalSent.contains(t.jobId())) return; // the job's last event went out
            byte[] png;
            try {
                png = PreviewEncoder.png(p.estimate(), t.preview(), t.valueLow(), t.valueHigh());
            } catch (RuntimeException e) { // best effort: a preview never fails its job
                log.debug("preview of {} at step {} not encoded: {}", t.jobId(), p.step(), e.toString());
                return;
            }
            if (png == null) return; // over PreviewEncoder.MAX_BYTES: skipped
            ProgressEvent e = progressEvent(t, p.step(), p.totalSteps(), p.samplesDone())
                    .setPreview(Preview.newBuilder().setSampleIndex(p.sampleIndex()).setT(p.t())
                            .setPng(java.nio.ByteBuffer.wrap(png)).build()).build();
            publisher.send(progressTopic, t.jobId(), codec.encode(e))
                    .onFailure(err -> log.debug("preview of {} not sent: {}", t.jobId(), err.toString()));
        });
    }

    private void finalProgress(JobOutcome outcome, JobTicket t) {
        throttle.forget(t.jobId());
        if (finalSent.remove(t.jobId())) return;
        if (outcome.status() == dev.flowline.batching.JobStatus.SUCCEEDED) {
            int steps = outcome.job().samples().stream().mapToInt(s -> s.totalSteps()).max().orElse(0);
            sendProgress(t, steps, steps, t.numSamples(), outcome.decodeCalls());
        }
    }

    private void sendProgress(JobTicket t, int stepsDone, int totalSteps, int samplesDone, int decodeCalls) {
        ProgressEvent e = progressEvent(t, stepsDone, totalSteps, samplesDone).setDecodeCalls(decodeCalls).build();
        publisher.send(progressTopic, t.jobId(), codec.encode(e))
                .onFailure(err -> log.debug("progress event of {} not sent: {}", t.jobId(), err.toString()));
    }

    private ProgressEvent.Builder progressEvent(JobTicket t, int stepsDone, int totalSteps, int samplesDone) {
        return ProgressEvent.newBuilder().setJobId(t.jobId()).setWorkerId(workerId)
                .setTimestamp(Instant.now()).setStep(stepsDone).setTotalSteps(totalSteps)
                .setSamplesDone(samplesDone).setNumSamples(t.numSamples());
    }

    /** Completes when no result is being built or sent. */
    public Future<Void> idle() {
        Promise<Void> p = Promise.promise();
        context.runOnContext(v -> {
            if (pending == 0) p.complete();
            else idleWaiters.add(p);
        });
        return p.future();
    }
}
