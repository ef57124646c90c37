package dev.flowline.kafka;

import dev.flowline.batching.Admission;
import dev.flowline.batching.Scheduler;
import dev.flowline.config.KafkaOptions;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import org.apache.kafka.clients.consumer.AcknowledgeType;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.ShareConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InterruptException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Reads the jobs topic through a Kafka share group ({@code kafka.intake=share}, KIP-932): any number of workers share
 * each partition, and every record is acknowledged on its own.
 *
 * <p>Per record: decode and validate it on a worker thread, then offer the job to the scheduler or dead-letter the
 * record, as the group intake does ({@link JobRecords}). Acknowledgements: {@code ACCEPT} once its result (or dead
 * letter) is acked by the broker; {@code REJECT} once the {@code MAX_DELIVERIES} dead letter of a record delivered more
 * than {@code kafka.maxDeliveries} times is; {@code RELEASE} for what is left unfinished at a drain (another member
 * gets it at once); {@code RENEW}, for every record held, when one has held its acquisition lock for half its duration
 * (long jobs do not lose their records to another worker).
 *
 * <p>Threads: one dedicated thread owns the {@link ShareConsumer} (it is not thread-safe, and {@code poll} blocks), the
 * event loop never calls it. The consumer thread keeps {@link ShareDeliveries}; the event loop keeps the job queue. They
 * talk through {@code runOnContext} one way and a command queue the other.
 *
 * <p>Backpressure: the consumer holds one poll's records at a time (explicit acknowledgement requires every record of a
 * poll to be acknowledged before the next), at most {@code max.poll.records} of them (the worker sets it to its
 * capacity, {@code share.acquire.mode=record_limit}), and it polls for new records only when all are finished and the
 * scheduler is not full and nothing waits in the queue: it stops fetching rather than fetch and drop. Share-group
 * membership is kept by the consumer's background heartbeat, so not polling is safe.
 */
public final class ShareIntakeVerticle extends VerticleBase implements JobIntake {
    private static final Logger log = LoggerFactory.getLogger(ShareIntakeVerticle.class);
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(10);

    private final KafkaOptions options;
    private final String jobsTopic;
    private final Supplier<ShareConsumer<String, byte[]>> consumerFactory;
    private final Scheduler scheduler;
    private final JobRecords records;
    private final EdgeMetrics metrics;

    // ---- event-loop state ----
    /** Decoded jobs not admitted yet, oldest first; non-empty only while the scheduler is full. */
    private final ArrayDeque<Decoded.Valid> queue = new ArrayDeque<>();
    /** Records received and not settled (their final acknowledgement not handed to the consumer thread). */
    private final Set<RecordRef> outstanding = new HashSet<>();
    /** Records whose dead letter, once acked, means REJECT (MAX_DELIVERIES) rather than ACCEPT. */
    private final Set<RecordRef> rejectWhenDone = new HashSet<>();
    private boolean full;
    private boolean stopping;
    /** The periodic recheck of a full scheduler's room (see {@link #recheckRoom}); -1 when not set. */
    private long recheckTimer = -1;

    // ---- shared ----
    private final LinkedBlockingQueue<Runnable> commands = new LinkedBlockingQueue<>();
    /** The event loop allows new records (not full, nothing queued, not stopping). */
    private volatile boolean fetchAllowed = true;
    private volatile boolean closeRequested;
    private volatile boolean releaseOnClose;
    private volatile boolean member;
    private volatile boolean killed;
    private final CompletableFuture<Void> closed = new CompletableFuture<>();
    private Thread thread;

    // ---- consumer-thread state ----
    private ShareConsumer<String, byte[]> consumer;
    private ShareDeliveries deliveries;
    /**
     * The consumer's records by key: {@code acknowledge(topic, partition, offset, type)} only takes records that
     * failed to deserialize (kafka-clients 4.3.1), so acknowledgements need the record objects the poll returned.
     */
    private final Map<ShareDeliveries.Key, ConsumerRecord<String, byte[]>> held = new HashMap<>();

    public ShareIntakeVerticle(KafkaOptions options, String jobsTopic, String deadLetterTopic,
                               Supplier<ShareConsumer<String, byte[]>> consumerFactory, Scheduler scheduler,
                               RequestDecoder decoder, OutputPublisher publisher, CancelRegistry cancels,
                               IntakeVerticle.CompletionSink completions, EdgeMetrics metrics) {
        this.options = options;
        this.jobsTopic = jobsTopic;
        this.consumerFactory = consumerFactory;
        this.scheduler = scheduler;
        this.records = new JobRecords(ShareIntakeVerticle.class, log, deadLetterTopic, decoder, publisher, cancels, completions, metrics);
        this.metrics = metrics;
    }

    @Override
    public Future<?> start() {
        Context ctx = context;
        Promise<Void> subscribed = Promise.promise();
        thread = new Thread(() -> run(ctx, subscribed), "flowline-share-intake");
        thread.setDaemon(true);
        thread.start();
        recheckTimer = vertx.setPeriodic(options.commitInterval().toMillis(), t -> recheckRoom());
        return subscribed.future();
    }

    // ================= consumer thread =================

    private void run(Context ctx, Promise<Void> subscribed) {
        try {
            consumer = consumerFactory.get();
            // 30 s is Kafka's default; the real duration comes with the first poll
            deliveries = new ShareDeliveries(options.maxDeliveries(), 30_000);
            consumer.setAcknowledgementCommitCallback((offsets, e) -> {
                if (e == null) return;
                // Called on this thread inside poll/commit: these records are not ours any more.
                List<ShareDeliveries.Key> keys = new ArrayList<>();
                offsets.forEach((tip, offs) -> offs.forEach(o -> keys.add(new ShareDeliveries.Key(tip.topicPartition(), o))));
                List<ShareDeliveries.Key> lost = deliveries.lost(keys);
                lost.forEach(held::remove);
                metrics.shareAcknowledged("FAILED", keys.size());
                log.warn("acknowledging {} failed ({}); {} of them were still held here and will be delivered again", keys, e.toString(), lost.size());
            });
            consumer.subscribe(List.of(jobsTopic));
            ctx.runOnContext(v -> subscribed.complete());
        } catch (RuntimeException e) {
            ctx.runOnContext(v -> subscribed.fail(e));
            if (consumer != null) consumer.close(Duration.ZERO);
            closed.complete(null);
            return;
        }
        try {
            loop(ctx);
            if (!killed) {
                settle(true);
                if (releaseOnClose) {
                    int released = deliveries.releaseAll();
                    if (released > 0) log.info("releasing {} unfinished records to the share group", released);
                    metrics.shareAcknowledged("RELEASE", released);
                    giveAcks();
                }
                try {
                    consumer.commitSync(CLOSE_TIMEOUT).forEach((tip, err) -> err.ifPresent(x ->
                            log.warn("final acknowledgements on {} failed: {}", tip, x.toString())));
                } catch (KafkaException e) {
                    log.warn("final acknowledgements failed: {}", e.toString());
                }
            }
        } catch (RuntimeException e) {
            log.error("share intake stopped on an unexpected error", e);
        } finally {
            member = false;
            try {
                consumer.close(killed ? Duration.ZERO : CLOSE_TIMEOUT);
            } catch (RuntimeException e) {
                log.warn("closing the share consumer: {}", e.toString());
            }
            closed.complete(null);
        }
    }

    private void loop(Context ctx) {
        long pollMs = options.pollTimeout().toMillis();
        while (!closeRequested) {
            settle(false);
            boolean renewing = deliveries.renewing() > 0;
            if (deliveries.mayPoll() && (renewing || (fetchAllowed && deliveries.outstanding() == 0))) {
                ConsumerRecords<String, byte[]> records;
                try {
                    records = consumer.poll(Duration.ofMillis(pollMs));
                } catch (InterruptException e) {
                    return;
                } catch (KafkaException e) {
                    log.warn("share consumer poll: {}", e.toString());
                    sleep(pollMs);
                    continue;
                }
                member = true;
                consumer.acquisitionLockTimeoutMs().ifPresent(deliveries::lockDuration);
                if (records.isEmpty()) continue;
                List<ShareDeliveries.Key> keys = new ArrayList<>();
                for (ConsumerRecord<String, byte[]> r : records) {
                    ShareDeliveries.Key k = new ShareDeliveries.Key(new TopicPartition(r.topic(), r.partition()), r.offset());
                    keys.add(k);
                    held.put(k, r); // renewed records come back too: keep the objects the consumer now knows
                }
                List<ShareDeliveries.Key> fresh = deliveries.polled(keys, System.currentTimeMillis());
                if (fresh.isEmpty()) continue; // renewed records came back
                List<Received> received = new ArrayList<>(fresh.size());
                for (ShareDeliveries.Key k : fresh) {
                    ConsumerRecord<String, byte[]> r = held.get(k);
                    received.add(new Received(new RecordRef(k.partition(), 0, k.offset(), r.key(), r.timestamp()), r.value(),
                            deliveries.exceedsMaxDeliveries(r.deliveryCount()), r.deliveryCount().map(Short::intValue).orElse(1)));
                }
                ctx.runOnContext(v -> onRecords(received));
            } else {
                // nothing to poll for: wait for a job to finish (or the lock to need renewing)
                try {
                    Runnable c = commands.poll(pollMs, TimeUnit.MILLISECONDS);
                    if (c != null) c.run();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /** Applies the commands from the event loop, gives the consumer what is decided, renews what is due. */
    private void settle(boolean closing) {
        for (Runnable c; (c = commands.poll()) != null; ) c.run();
        boolean any = giveAcks();
        if (!closing) {
            List<ShareDeliveries.Key> renew = deliveries.renewDue(System.currentTimeMillis());
            for (ShareDeliveries.Key k : renew) consumer.acknowledge(held.get(k), AcknowledgeType.RENEW);
            if (!renew.isEmpty()) {
                log.debug("renewing the acquisition locks of {} records", renew.size());
                metrics.shareAcknowledged("RENEW", renew.size());
                any = true;
            }
        }
        // Sent now, not at the next poll: a finished record is ACCEPTed as soon as its result is acked.
        if (any && !closing) consumer.commitAsync();
    }

    private boolean giveAcks() {
        List<ShareDeliveries.Ack> acks = deliveries.takeAcks();
        for (ShareDeliveries.Ack a : acks) {
            consumer.acknowledge(held.remove(a.key()), a.type());
        }
        return !acks.isEmpty();
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** From the event loop: the record's work ended with this final acknowledgement. */
    private void finish(RecordRef ref, AcknowledgeType type) {
        commands.add(() -> {
            if (deliveries.finish(new ShareDeliveries.Key(ref.partition(), ref.offset()), type)) {
                metrics.shareAcknowledged(type.name(), 1);
            }
        });
    }

    private void wakeConsumerThread() {
        commands.add(() -> { });
    }

    // ================= event loop =================

    /** A fresh record, as the consumer thread hands it over. */
    private record Received(RecordRef ref, byte[] value, boolean overDelivered, int deliveryCount) {}

    private void onRecords(List<Received> received) {
        for (Received r : received) {
            outstanding.add(r.ref());
            if (stopping) {
                release(r.ref());
            } else if (r.overDelivered()) {
                log.warn("{} (key {}) was delivered {} times (kafka.maxDeliveries {}): dead-lettering it", r.ref(), r.ref().key(),
                        r.deliveryCount(), options.maxDeliveries());
                rejectWhenDone.add(r.ref());
                deadLetter(records.rejected(r.ref(), r.value(), r.ref().key(), IntakeVerticle.MAX_DELIVERIES,
                        "delivered " + (r.deliveryCount() - 1) + " times without finishing (kafka.maxDeliveries " + options.maxDeliveries()
                                + "): the workers that ran it stopped (crashed?) before it ended; not run again"));
            } else {
                records.decode(vertx, r.ref(), r.value(), this::onDecoded, this::deadLetter);
            }
        }
        updateFetch();
    }

    private void onDecoded(Decoded d) {
        if (!outstanding.contains(d.record())) return; // released meanwhile (drain)
        switch (d) {
            case Decoded.Invalid inv -> deadLetter(inv);
            case Decoded.Valid v -> {
                if (stopping) {
                    release(v.record());
                    return;
                }
                queue.add(v);
                pump();
            }
        }
    }

    /** Admits queued jobs in order until the scheduler is full. */
    private void pump() {
        while (!queue.isEmpty() && !full && !stopping) {
            Decoded.Valid head = queue.peek();
            if (records.cancelled(head.job())) {
                queue.poll();
                records.completeCancelled(head.job());
                continue;
            }
            Admission a = scheduler.offer(head.job());
            if (a == Admission.REJECTED_FULL) {
                full = true;
                break;
            }
            queue.poll();
            switch (a) {
                case ACCEPTED, REJECTED_FULL -> { }
                case REJECTED_SHUTDOWN -> release(head.record());
                case REJECTED_DUPLICATE, REJECTED_UNKNOWN_MODEL -> deadLetter(records.refused(head, a));
            }
        }
        updateFetch();
    }

    private void updateFetch() {
        boolean allowed = !stopping && !full && queue.isEmpty();
        if (allowed != fetchAllowed) {
            fetchAllowed = allowed;
            wakeConsumerThread();
        }
        // the group intake's gauges, read for share: "assigned" = a member, "paused" = not fetching
        metrics.intakeState(member ? 1 : 0, allowed ? 0 : 1, outstanding.size());
    }

    private void deadLetter(Decoded.Invalid inv) {
        RecordRef ref = inv.record();
        records.sendDeadLetter(inv, () -> !killed)
                .onComplete(ar -> {
                    if (ar.succeeded()) markDone(ref);
                    else {
                        log.warn("dead letter of {} not sent (its record will be delivered again): {}", ref, ar.cause().toString());
                        if (!killed) {
                            release(ref);
                            updateFetch();
                        }
                    }
                });
    }

    private void release(RecordRef ref) {
        if (outstanding.remove(ref)) {
            rejectWhenDone.remove(ref);
            finish(ref, AcknowledgeType.RELEASE);
        }
    }

    @Override
    public void markDone(RecordRef ref) {
        context.runOnContext(v -> {
            if (!outstanding.remove(ref)) return;
            finish(ref, rejectWhenDone.remove(ref) ? AcknowledgeType.REJECT : AcknowledgeType.ACCEPT);
            updateFetch();
        });
    }

    /** A record whose result could not be published: given back, so that it is delivered again. Any thread. */
    public void notDone(RecordRef ref) {
        context.runOnContext(v -> {
            release(ref);
            updateFetch();
        });
    }

    @Override
    public void capacityAvailable() {
        context.runOnContext(v -> {
            if (full) {
                full = false;
                pump();
            }
        });
    }

    /**
     * Every {@code kafka.commitIntervalMs}, as the group intake's tick does: a full intake whose scheduler has room
     * again admits what waits, in case a capacity signal was missed (otherwise it would hold its records, and fetch
     * nothing, until their locks ran out).
     */
    private void recheckRoom() {
        if (full && !stopping && scheduler.hasRoom()) {
            full = false;
            pump();
        }
    }

    /** Whether the consumer polled successfully (share groups have no assignment to show for readiness). Any thread. */
    @Override
    public boolean hasAssignment() {
        return member;
    }

    /** Drain, step 1: admit nothing more and give back the jobs that were waiting for room. */
    @Override
    public Future<Void> stopAdmitting() {
        return onContext(() -> {
            stopping = true;
            full = false;
            for (Decoded.Valid v : queue) release(v.record());
            queue.clear();
            updateFetch();
            return Future.succeededFuture();
        });
    }

    /** Drain, step 2: acknowledge what finished, RELEASE the rest, leave the group. */
    @Override
    public Future<Void> commitAndClose() {
        // Through the context: completions already queued there (results acked just before) are settled as ACCEPT
        // before the consumer thread releases what is left.
        return onContext(() -> close(true));
    }

    /** Abrupt stop: leave without acknowledging anything more. */
    @Override
    public Future<Void> kill() {
        killed = true;
        return close(false);
    }

    @Override
    public Future<?> stop() {
        return close(true);
    }

    private Future<Void> close(boolean release) {
        if (recheckTimer >= 0) {
            vertx.cancelTimer(recheckTimer);
            recheckTimer = -1;
        }
        if (thread == null) return Future.succeededFuture();
        if (!closeRequested) {
            releaseOnClose = release;
            closeRequested = true;
            // No consumer.wakeup(): a wakeup left pending would abort the final commitSync. A poll in progress ends
            // within kafka.pollTimeoutMs anyway.
            wakeConsumerThread();
        }
        return Future.fromCompletionStage(closed);
    }

    /** Records received and not settled (tests, metrics). */
    public Future<Integer> outstanding() {
        return onContext(() -> Future.succeededFuture(outstanding.size()));
    }

    private <T> Future<T> onContext(Supplier<Future<T>> action) {
        return JobRecords.onContext(context, action);
    }
}
