package dev.flowline.kafka;

import dev.flowline.batching.Admission;
import dev.flowline.batching.Job;
import dev.flowline.batching.JobOutcome;
import dev.flowline.batching.JobStatus;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.kafka.client.producer.RecordMetadata;
import org.slf4j.Logger;

import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * What both intakes do with a job record on their event loop, whichever group reads it ({@link IntakeVerticle},
 * {@link ShareIntakeVerticle}): decode it on a worker thread in record order, build and send its dead letter, settle
 * an offer the scheduler refused for good, complete a job cancelled before it started.
 *
 * <p>What differs stays with each intake: who owns the Kafka client's thread (Vert.x's consumer for a group, a thread
 * of the intake's own for a share consumer, which Vert.x does not wrap), how a record is settled (an offset commit or
 * an acknowledgement), and how reading stops when the scheduler is full (pausing partitions, or not fetching).
 * Stateless apart from its collaborators; called on its intake's context.
 */
final class JobRecords {
    private final Logger log;
    /** The errorClass of the intake's own rejections (a duplicate job, too many deliveries). */
    private final String owner;
    private final String deadLetterTopic;
    private final RequestDecoder decoder;
    private final OutputPublisher publisher;
    private final CancelRegistry cancels;
    private final IntakeVerticle.CompletionSink completions;
    private final EdgeMetrics metrics;

    JobRecords(Class<?> owner, Logger log, String deadLetterTopic, RequestDecoder decoder, OutputPublisher publisher,
               CancelRegistry cancels, IntakeVerticle.CompletionSink completions, EdgeMetrics metrics) {
        this.log = log;
        this.owner = owner.getName();
        this.deadLetterTopic = deadLetterTopic;
        this.decoder = decoder;
        this.publisher = publisher;
        this.cancels = cancels;
        this.completions = completions;
        this.metrics = metrics;
    }

    /**
     * Decodes a record on a worker thread, ordered (one decode at a time per intake, so that jobs reach the scheduler
     * in record order), then hands the result to {@code decoded}; a decoder that fails unexpectedly (a bug) gives
     * {@code failed} an {@code INVALID_REQUEST} dead letter instead.
     */
    void decode(Vertx vertx, RecordRef ref, byte[] value, Consumer<Decoded> decoded, Consumer<Decoded.Invalid> failed) {
        vertx.executeBlocking(() -> decoder.decode(ref, value), true).onComplete(ar -> {
            if (ar.succeeded()) {
                decoded.accept(ar.result());
            } else {
                log.error("decoding {} failed unexpectedly", ref, ar.cause());
                Rejection r = Rejection.of(RequestDecoder.INVALID_REQUEST, ar.cause(), null);
                failed.accept(new Decoded.Invalid(ref, r, decoder.deadLetter(ref, value, r, System.currentTimeMillis())));
            }
        });
    }

    /** A record the intake itself rejects, with its original bytes (so that a replay tool can re-drive it). */
    Decoded.Invalid rejected(RecordRef ref, byte[] value, String jobId, String code, String message) {
        Rejection r = new Rejection(code, owner, message, jobId);
        return new Decoded.Invalid(ref, r, decoder.deadLetter(ref, value, r, System.currentTimeMillis()));
    }

    /** The dead letter of an offer the scheduler refused for good: a duplicate job id, or a model it does not have. */
    Decoded.Invalid refused(Decoded.Valid v, Admission a) {
        return switch (a) {
            case REJECTED_DUPLICATE -> rejected(v.record(), v.value(), v.job().jobId(), "DUPLICATE_JOB",
                    "a job with id '" + v.job().jobId() + "' is already running on this worker");
            case REJECTED_UNKNOWN_MODEL -> decoder.unknownModel(v);
            case ACCEPTED, REJECTED_FULL, REJECTED_SHUTDOWN -> throw new IllegalArgumentException(a + " is not a refusal");
        };
    }

    /** Whether the job was cancelled (control topic) before it started. */
    boolean cancelled(Job job) {
        return cancels.isCancelled(job.jobId());
    }

    /** Ends a job cancelled before it started: a CANCELLED outcome, published like any other. */
    void completeCancelled(Job job) {
        completions.completed(notRun(job, JobStatus.CANCELLED, "CANCELLED", "cancelled before it started"));
    }

    static JobOutcome notRun(Job job, JobStatus status, String code, String message) {
        return new JobOutcome(job, status, code, message, List.of(), 0, 0, 0, 0, 0, 0);
    }

    /** Counts, logs and sends a dead letter; the future says whether the broker took it. */
    Future<RecordMetadata> sendDeadLetter(Decoded.Invalid inv, BooleanSupplier stillWanted) {
        RecordRef ref = inv.record();
        metrics.deadLettered(inv.rejection().errorCode());
        log.info("dead-lettering {} ({}): {}", ref, inv.rejection().errorCode(), inv.rejection().errorMessage());
        // the key is cut as in the envelope: a record with a huge key must still get a dead letter the broker accepts
        return publisher.sendReliably(deadLetterTopic, Rejection.abbreviate(ref.key(), Rejection.MAX_ID_CHARS), inv.deadLetter(), stillWanted);
    }

    /** Runs {@code action} on the intake's context; completes at once when it was never deployed (a failed start). */
    static <T> Future<T> onContext(Context context, Supplier<Future<T>> action) {
        if (context == null) return Future.succeededFuture();
        Promise<T> p = Promise.promise();
        context.runOnContext(v -> action.get().onComplete(p));
        return p.future();
    }
}
