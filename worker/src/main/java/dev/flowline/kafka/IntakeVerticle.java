package dev.flowline.kafka;

import dev.flowline.batching.Admission;
import dev.flowline.batching.Job;
import dev.flowline.batching.JobOutcome;
import dev.flowline.batching.Scheduler;
import dev.flowline.config.KafkaOptions;
import dev.flowline.kafka.offsets.PartitionProgress;
import dev.flowline.kafka.offsets.ProgressCodec;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.kafka.client.consumer.KafkaConsumer;
import io.vertx.kafka.client.consumer.KafkaConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Reads the jobs topic and admits jobs to the scheduler; owns the offsets of what it read.
 *
 * <p>Per record: track it ({@link OffsetTracker}), decode and validate it on a worker thread, then offer the job
 * or dead-letter the record (steps shared with the share intake: {@link JobRecords}). A record is done when its
 * result (or dead letter) is acked; the highest contiguous done offset of each partition is committed every
 * {@code commitInterval}, on revoke and at shutdown.
 *
 * <p>Backpressure never stops polling (a consumer that stops polling is evicted from the group): when the scheduler
 * is full, or a partition has {@code maxOutstandingPerPartition} unfinished records, the intake pauses partitions
 * with {@code pause(Set)}; rejected jobs wait in a queue, in order, until the scheduler signals capacity. Pauses are
 * re-applied after every rebalance because Kafka does not keep them.
 *
 * <p>Across owners (commit metadata, {@link ProgressCodec}): each commit records the done offsets above it and how
 * many deliveries of each unfinished record were started; the next owner skips the done ones and dead-letters a record
 * that {@code kafka.maxDeliveries} workers started and never finished ({@code MAX_DELIVERIES}: it kills its worker).
 * So that a crash in the job itself is counted, a job starts only once a commit recording its delivery was acked.
 *
 * <p>All state is confined to this verticle's context; other threads reach it only through {@code runOnContext}.
 * The class is larger than its neighbours for that reason: records, offsets, pauses and rebalances interact and
 * change together on one thread; the pure parts live in {@link OffsetTracker} and {@link PausePlan}.
 */
public final class IntakeVerticle extends VerticleBase implements JobIntake {
    private static final Logger log = LoggerFactory.getLogger(IntakeVerticle.class);

    /** Where jobs that never reach the scheduler (cancelled before admission) are completed. */
    @FunctionalInterface
    public interface CompletionSink {
        void completed(JobOutcome outcome);
    }

    private final KafkaOptions options;
    private final String jobsTopic;
    private final JobsConsumerFactory consumerFactory;
    private final Scheduler scheduler;
    private final JobRecords records;
    private final EdgeMetrics metrics;

    private OffsetTracker tracker;
    private org.apache.kafka.clients.consumer.Consumer<String, byte[]> kafkaConsumer;
    private KafkaConsumer<String, byte[]> consumer;
    /** Decoded jobs not started yet, oldest first. Invariant: non-empty only while something blocks (see {@link #pump}). */
    private final ArrayDeque<Queued> queue = new ArrayDeque<>();
    /** A suspect running alone (see {@link #pump}): nothing else starts until it is done. */
    private RecordRef isolating;
    /** Partitions at their outstanding limit. */
    private final Set<TopicPartition> limited = new HashSet<>();
    private final PausePlan pauses = new PausePlan();
    /** The scheduler said FULL: every partition stays paused until it signals capacity and the queue is admitted. */
    private boolean full;
    /** Draining: nothing new is admitted. */
    private boolean stopping;
    /** The consumer is closing or closed: never call it again (a call would start a new consumer thread). */
    private boolean closed;
    /** Closing without commits (a simulated crash): the revoke hook does nothing. */
    private volatile boolean killed;
    private boolean commitInFlight;
    private long commitTimer = -1;
    private final Map<Set<TopicPartition>, Revoke> revokes = new HashMap<>();
    private volatile boolean hasAssignment;
    /** Earlier owners' progress read in the assignment callback (consumer thread), taken by {@link #onAssigned}. */
    private final Map<TopicPartition, PartitionProgress> inheritedProgress = new java.util.concurrent.ConcurrentHashMap<>();
    /** Deliveries recorded so far (a sequence number per counted job) and the highest one a commit made durable. */
    private long attemptSeq;
    private long durableSeq;
    /** A commit was asked for while one was in flight: run another when it ends. */
    private boolean commitAgain;

    /** A queued job; {@code seq} > 0 once its delivery is counted (it starts when a commit made that durable). */
    private static final class Queued {
        final Decoded.Valid job;
        long seq;

        Queued(Decoded.Valid job) {
            this.job = job;
        }

        RecordRef record() {
            return job.record();
        }
    }

    /** Dead-letter code of a record that {@code kafka.maxDeliveries} deliveries never finished. */
    public static final String MAX_DELIVERIES = "MAX_DELIVERIES";

    /** A revoke in progress: waits (up to the grace) for the partitions' running jobs. */
    private final class Revoke {
        final Set<TopicPartition> partitions;
        final CompletableFuture<Map<TopicPartition, OffsetAndMetadata>> result;
        long timer = -1;

        Revoke(Set<TopicPartition> partitions, CompletableFuture<Map<TopicPartition, OffsetAndMetadata>> result) {
            this.partitions = partitions;
            this.result = result;
        }
    }

    /**
     * Makes the jobs consumer; it must run {@code hook} inside its rebalance callbacks
     * ({@link RevokeAwareConsumer.HookedListener}). The worker's is a {@link RevokeAwareConsumer}; tests pass Kafka's
     * {@code MockConsumer} wrapped the same way.
     */
    @FunctionalInterface
    public interface JobsConsumerFactory {
        org.apache.kafka.clients.consumer.Consumer<String, byte[]> create(RevokeAwareConsumer.RevokeHook hook);
    }

    public IntakeVerticle(KafkaOptions options, String jobsTopic, String deadLetterTopic, Map<String, Object> consumerProps,
                          Scheduler scheduler, RequestDecoder decoder, OutputPublisher publisher, CancelRegistry cancels,
                          CompletionSink completions, EdgeMetrics metrics) {
        this(options, jobsTopic, deadLetterTopic, hook -> new RevokeAwareConsumer(consumerProps, hook), scheduler, decoder,
                publisher, cancels, completions, metrics);
    }

    public IntakeVerticle(KafkaOptions options, String jobsTopic, String deadLetterTopic, JobsConsumerFactory consumerFactory,
                          Scheduler scheduler, RequestDecoder decoder, OutputPublisher publisher, CancelRegistry cancels,
                          CompletionSink completions, EdgeMetrics metrics) {
        this.options = options;
        this.jobsTopic = jobsTopic;
        this.consumerFactory = consumerFactory;
        this.scheduler = scheduler;
        this.records = new JobRecords(IntakeVerticle.class, log, deadLetterTopic, decoder, publisher, cancels, completions, metrics);
        this.metrics = metrics;
    }

    @Override
    public Future<?> start() {
        tracker = new OffsetTracker(options.maxOutstandingPerPartition());
        var kafka = kafkaConsumer = consumerFactory.create(new RevokeAwareConsumer.RevokeHook() {
            @Override
            public Map<TopicPartition, OffsetAndMetadata> revoking(Set<TopicPartition> partitions) {
                return revokeOnConsumerThread(partitions);
            }

            @Override
            public void lost(Set<TopicPartition> partitions) {
                context.runOnContext(v -> forget(partitions, "lost"));
            }

            @Override
            public void assigned(Map<TopicPartition, OffsetAndMetadata> committed) {
                readInheritedProgress(committed);
            }
        });
        consumer = KafkaConsumer.create(vertx, kafka);
        consumer.pollTimeout(options.pollTimeout());
        consumer.exceptionHandler(e -> log.warn("jobs consumer: {}", e.toString()));
        consumer.partitionsAssignedHandler(parts -> onAssigned(toKafka(parts)));
        consumer.partitionsRevokedHandler(parts -> onRevokedAfter(toKafka(parts)));
        consumer.handler(this::onRecord);
        commitTimer = vertx.setPeriodic(options.commitInterval().toMillis(), t -> periodic());
        return consumer.subscribe(jobsTopic);
    }

    // ---- records ----

    private void onRecord(KafkaConsumerRecord<String, byte[]> rec) {
        TopicPartition tp = new TopicPartition(rec.topic(), rec.partition());
        if (stopping || !tracker.isAssigned(tp) || revoking(tp)) {
            return; // not tracked, so never committed past: the partition's next owner (or next start) reads it again
        }
        if (!tracker.received(tp, rec.offset())) {
            metrics.recordSkipped(); // an earlier owner finished it (commit metadata): not run again
            log.debug("{}@{} skipped: finished by an earlier owner", tp, rec.offset());
            return;
        }
        RecordRef ref = new RecordRef(tp, tracker.generation(tp), rec.offset(), rec.key(), rec.timestamp());
        if (tracker.atLimit(tp) && limited.add(tp)) applyPauses(false);
        records.decode(vertx, ref, rec.value(), this::onDecoded, this::deadLetter);
    }

    private void onDecoded(Decoded d) {
        if (!isCurrent(d.record()) || revoking(d.record().partition())) return;
        switch (d) {
            case Decoded.Invalid inv -> deadLetter(inv);
            case Decoded.Valid v -> {
                if (stopping) return;
                queue.add(new Queued(v));
                pump();
            }
        }
    }

    /**
     * Starts the queued jobs, in order, while nothing blocks: the scheduler said FULL, or a suspect runs alone.
     *
     * <p>Crash-loop protection ({@code kafka.maxDeliveries} > 0): a job starts only once a commit recorded one more
     * delivery of it, so that a job that kills the worker is counted. Fresh jobs are counted as they are queued (one
     * commit covers a poll's worth, overlapping with the jobs running). A <i>suspect</i>, a record whose delivery an
     * earlier owner started and never finished (it may have killed its worker, or merely been in flight when a
     * neighbour did), is counted only when its turn comes, once nothing else is in progress, and then runs alone: a
     * crash it causes is counted against it only, never against the jobs queued behind it. A record already started
     * {@code kafka.maxDeliveries} times is dead-lettered {@code MAX_DELIVERIES} with its original bytes.
     */
    private void pump() {
        int max = options.maxDeliveries();
        if (max > 0 && !stopping) {
            for (Queued q : queue) {
                if (q.seq == 0 && tracker.isCurrent(q.record().partition(), q.record().generation())
                        && tracker.earlierDeliveries(q.record().partition(), q.record().offset()) == 0) {
                    count(q);
                }
            }
        }
        while (!queue.isEmpty() && !full && isolating == null && !stopping) {
            Queued head = queue.peek();
            RecordRef ref = head.record();
            if (!isCurrent(ref) || revoking(ref.partition())) {
                queue.poll();
                continue;
            }
            if (records.cancelled(head.job.job())) {
                queue.poll();
                started(ref);
                records.completeCancelled(head.job.job());
                continue;
            }
            boolean suspect = false;
            if (max > 0) {
                int earlier = tracker.earlierDeliveries(ref.partition(), ref.offset());
                if (earlier >= max) {
                    queue.poll();
                    log.warn("{} (job {}) was delivered {} times and never finished (kafka.maxDeliveries {}): dead-lettering it",
                            ref, head.job.job().jobId(), earlier, max);
                    deadLetterNow(head.job, MAX_DELIVERIES, "delivered " + earlier + " times without finishing (kafka.maxDeliveries "
                            + max + "): the workers that ran it stopped (crashed?) before it ended; not run again");
                    continue;
                }
                suspect = earlier > 0;
                if (suspect && head.seq == 0) {
                    if (tracker.inProgress() > 0) break; // runs alone: wait until nothing else runs
                    count(head);
                    log.info("{} (job {}) was in flight when an earlier owner stopped ({} of {} deliveries): running it alone",
                            ref, head.job.job().jobId(), earlier, max);
                }
                if (head.seq > durableSeq) break; // its delivery is not recorded yet: wait for the commit
            }
            Admission admission = offer(head.job);
            if (admission == Admission.REJECTED_FULL) {
                full = true;
                break;
            }
            queue.poll();
            // only a suspect that runs isolates: one refused (shutdown) or dead-lettered would never end to lift it
            if (suspect && admission == Admission.ACCEPTED) isolating = ref;
        }
        if (stopping) queue.clear();
        if (durableSeq < attemptSeq) commit(false);
        applyPauses(false);
    }

    private void count(Queued q) {
        tracker.attempted(q.record().partition(), q.record().generation(), q.record().offset());
        q.seq = ++attemptSeq;
    }

    /** Offers a job; on REJECTED_FULL the caller keeps it, any other answer settles the record. */
    private Admission offer(Decoded.Valid v) {
        Admission a = scheduler.offer(v.job());
        switch (a) {
            case ACCEPTED -> started(v.record());
            case REJECTED_FULL -> { }
            case REJECTED_SHUTDOWN -> {
                log.debug("{} not admitted: scheduler shutting down (redelivered later)", v.record());
            }
            case REJECTED_DUPLICATE, REJECTED_UNKNOWN_MODEL -> deadLetter(records.refused(v, a));
        }
        return a;
    }

    /** Called by the scheduler (any thread) when it has room again. */
    @Override
    public void capacityAvailable() {
        context.runOnContext(v -> {
            if (full) {
                full = false;
                pump();
            }
        });
    }

    // ---- dead letters and completions ----

    private void started(RecordRef ref) {
        tracker.started(ref.partition(), ref.generation(), ref.offset());
    }

    private void deadLetter(Decoded.Invalid inv) {
        RecordRef ref = inv.record();
        started(ref);
        records.sendDeadLetter(inv, () -> isCurrent(ref))
                .onComplete(ar -> {
                    if (ar.succeeded()) markDone(ref);
                    else log.warn("dead letter of {} not sent (it will be redelivered): {}", ref, ar.cause().toString());
                });
    }

    private void deadLetterNow(Decoded.Valid v, String code, String message) {
        // the original bytes travel with the job until admission, so a replay tool can re-drive this record too
        deadLetter(records.rejected(v.record(), v.value(), v.job().jobId(), code, message));
    }

    /** A record is done (its result or dead letter was acked). Callable from any thread. */
    @Override
    public void markDone(RecordRef ref) {
        context.runOnContext(v -> done(ref));
    }

    private void done(RecordRef ref) {
        TopicPartition tp = ref.partition();
        if (!tracker.done(tp, ref.generation(), ref.offset())) return;
        if (ref.equals(isolating)) isolating = null;
        if (limited.contains(tp) && tracker.belowResumeMark(tp)) limited.remove(tp);
        if (!queue.isEmpty() && !full && isolating == null) {
            pump(); // ends by bringing the pauses in line
        } else {
            // The suspect that just ended may have been the only thing keeping every partition paused, and with the
            // queue empty nothing else would resume them (seen as a stall after a worker was killed).
            applyPauses(false);
        }
        if (!revokes.isEmpty()) {
            for (Revoke r : List.copyOf(revokes.values())) {
                if (r.partitions.contains(tp) && tracker.settled(r.partitions)) finishRevoke(r);
            }
        }
    }

    // ---- pauses ----

    /** Brings the consumer's pauses in line with the state; {@code reapply} re-sends them all (after a rebalance). */
    private void applyPauses(boolean reapply) {
        boolean blocked = full || stopping || isolating != null || !queue.isEmpty();
        PausePlan.Change c = pauses.update(tracker.assigned(), blocked, limited, reapply);
        metrics.intakeState(tracker.assigned().size(), pauses.paused(), tracker.outstanding());
        if (closed || c.isEmpty()) return;
        if (!c.pause().isEmpty()) consumer.pause(toVertx(c.pause())).onFailure(e -> log.debug("pause {}: {}", c.pause(), e.toString()));
        if (!c.resume().isEmpty()) consumer.resume(toVertx(c.resume())).onFailure(e -> log.debug("resume {}: {}", c.resume(), e.toString()));
    }

    // ---- rebalances ----

    private void onAssigned(Set<TopicPartition> parts) {
        for (TopicPartition tp : parts) {
            if (!tp.topic().equals(jobsTopic)) continue;
            PartitionProgress inherited = inheritedProgress.remove(tp);
            tracker.assign(tp, inherited);
            if (inherited != null && !inherited.isEmpty()) {
                log.info("{}: earlier owners finished {} records above offset {} (skipped) and left {} unfinished with deliveries counted",
                        tp, inherited.doneAbove().cardinality(), inherited.base(), inherited.attempts().size());
            }
        }
        hasAssignment = !tracker.assigned().isEmpty();
        log.info("assigned {} (now {})", parts, tracker.assigned());
        applyPauses(true);
    }

    /** On the consumer thread, in the assignment callback: decodes what earlier owners committed. Pure but for logging. */
    private void readInheritedProgress(Map<TopicPartition, OffsetAndMetadata> committed) {
        committed.forEach((tp, om) -> {
            if (!tp.topic().equals(jobsTopic)) return;
            switch (ProgressCodec.decode(om.metadata(), om.offset())) {
                case ProgressCodec.Read.Progress p -> inheritedProgress.put(tp, p.progress());
                case ProgressCodec.Read.Ignored i -> log.warn("{}: {}; ignoring it (finished records above offset {} may run again)",
                        tp, i.reason(), om.offset());
                case ProgressCodec.Read.Absent a -> inheritedProgress.remove(tp);
            }
        });
    }

    /** Vert.x's revoke handler, run after the hand-over: the revoke hook has already settled these partitions. */
    private void onRevokedAfter(Set<TopicPartition> parts) {
        forget(parts, "revoked");
    }

    /** On the consumer thread, inside the rebalance callback: waits for the event loop to settle the partitions. */
    private Map<TopicPartition, OffsetAndMetadata> revokeOnConsumerThread(Set<TopicPartition> partitions) {
        if (killed) return Map.of();
        CompletableFuture<Map<TopicPartition, OffsetAndMetadata>> f = new CompletableFuture<>();
        context.runOnContext(v -> beginRevoke(partitions, f));
        try {
            return f.get(options.revokeGrace().toMillis() + 5_000, TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            log.warn("revoke of {} did not settle in time ({}); nothing committed for it", partitions, e.toString());
            return Map.of();
        }
    }

    private void beginRevoke(Set<TopicPartition> partitions, CompletableFuture<Map<TopicPartition, OffsetAndMetadata>> f) {
        Revoke r = new Revoke(partitions, f);
        revokes.put(partitions, r);
        queue.removeIf(q -> partitions.contains(q.record().partition()));
        if (isolating != null && partitions.contains(isolating.partition())) isolating = null;
        if (queue.isEmpty()) full = false; // what was waiting belonged to the revoked partitions
        pump();
        // Records waiting in the queue or being decoded are left to the next owner; only jobs already running (or
        // dead letters being sent) can still finish and move the commit, so only they are waited for.
        if (killed || tracker.settled(partitions) || options.revokeGrace().isZero()) {
            finishRevoke(r);
        } else {
            log.info("revoking {}: waiting up to {} ms for {} running jobs", partitions, options.revokeGrace().toMillis(),
                    partitions.stream().mapToInt(tracker::inProgress).sum());
            r.timer = vertx.setTimer(options.revokeGrace().toMillis(), t -> finishRevoke(r));
        }
    }

    private void finishRevoke(Revoke r) {
        if (revokes.remove(r.partitions) == null) return;
        if (r.timer >= 0) vertx.cancelTimer(r.timer);
        // clean: the deliveries abandoned here did not crash anything, so the next owner does not count them
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        tracker.commits(r.partitions, true).forEach((tp, c) -> offsets.put(tp, new OffsetAndMetadata(c.offset(), ProgressCodec.encode(c.progress()))));
        List<Job> abandoned = scheduler.abandon(job -> r.partitions.contains(JobTicket.of(job).record().partition()));
        log.info("revoked {}: committing {}, abandoned {} jobs (redelivered to the next owner)", r.partitions,
                offsets.entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().offset())), abandoned.size());
        for (TopicPartition tp : r.partitions) tracker.revoke(tp);
        metrics.partitionsRemoved("revoked", r.partitions.size());
        limited.removeAll(r.partitions);
        hasAssignment = !tracker.assigned().isEmpty();
        r.result.complete(offsets);
    }

    private void forget(Set<TopicPartition> parts, String why) {
        Set<TopicPartition> tracked = parts.stream().filter(tracker::isAssigned).collect(Collectors.toSet());
        if (!tracked.isEmpty()) {
            // lost partitions (or a revoke whose hook gave up): their jobs go back to the group uncommitted
            List<Job> abandoned = scheduler.abandon(job -> tracked.contains(JobTicket.of(job).record().partition()));
            tracked.forEach(tracker::revoke);
            metrics.partitionsRemoved(why, tracked.size());
            limited.removeAll(tracked);
            queue.removeIf(q -> tracked.contains(q.record().partition()));
            if (isolating != null && tracked.contains(isolating.partition())) isolating = null;
            if (queue.isEmpty()) full = false;
            log.info("{} {}: abandoned {} jobs", why, tracked, abandoned.size());
        }
        hasAssignment = !tracker.assigned().isEmpty();
        pump();
    }

    private boolean revoking(TopicPartition tp) {
        if (revokes.isEmpty()) return false;
        for (Set<TopicPartition> s : revokes.keySet()) if (s.contains(tp)) return true;
        return false;
    }

    private boolean isCurrent(RecordRef ref) {
        return tracker.isCurrent(ref.partition(), ref.generation());
    }

    // ---- commits ----

    private void periodic() {
        if (full && scheduler.hasRoom()) { // in case a capacity signal was missed
            full = false;
            pump();
        }
        applyPauses(false); // pauses follow the state; a no-op unless an event forgot to bring them in line
        commit(false);
    }

    /**
     * Commits what moved (offsets, or the progress recorded in the metadata); completes when the commit is done (or at
     * once when nothing moved). {@code clean}: a graceful stop, whose abandoned deliveries are not counted. A commit
     * asked for while one is in flight runs when that one ends, so that jobs waiting for their delivery to be recorded
     * never wait for the next interval.
     */
    private Future<Void> commit(boolean clean) {
        if (closed || killed) return Future.succeededFuture();
        if (commitInFlight) {
            commitAgain = true;
            return Future.succeededFuture();
        }
        Map<TopicPartition, OffsetTracker.Commit> commits = tracker.commits(clean);
        long seq = attemptSeq;
        if (commits.isEmpty()) {
            durableSeq = seq; // nothing unrecorded
            if (!queue.isEmpty()) pump();
            return Future.succeededFuture();
        }
        Map<TopicPartition, Long> generations = new HashMap<>();
        commits.keySet().forEach(tp -> generations.put(tp, tracker.generation(tp)));
        Map<io.vertx.kafka.client.common.TopicPartition, io.vertx.kafka.client.consumer.OffsetAndMetadata> m = new HashMap<>();
        commits.forEach((tp, c) -> m.put(new io.vertx.kafka.client.common.TopicPartition(tp.topic(), tp.partition()),
                new io.vertx.kafka.client.consumer.OffsetAndMetadata(c.offset(), ProgressCodec.encode(c.progress()))));
        commitInFlight = true;
        return consumer.commit(m).<Void>transform(ar -> {
            commitInFlight = false;
            if (ar.succeeded()) {
                commits.forEach((tp, c) -> {
                    if (tracker.generation(tp) == generations.get(tp)) tracker.committed(tp, c);
                });
                durableSeq = Math.max(durableSeq, seq);
            } else {
                log.debug("commit of {} failed (retried): {}", m.keySet(), ar.cause().toString());
                if (durableSeq < attemptSeq && !closed) vertx.setTimer(100, t -> commit(false));
            }
            if (commitAgain || (ar.succeeded() && durableSeq < attemptSeq)) {
                commitAgain = false;
                return commit(false);
            }
            if (ar.succeeded() && !queue.isEmpty()) pump();
            return Future.succeededFuture();
        });
    }

    // ---- lifecycle ----

    /** The Kafka consumer itself, for its metrics only (it belongs to the Vert.x consumer thread). */
    public org.apache.kafka.clients.consumer.Consumer<String, byte[]> kafkaConsumer() {
        return kafkaConsumer;
    }

    /** Whether the consumer has partitions of the jobs topic (readiness). Any thread. */
    @Override
    public boolean hasAssignment() {
        return hasAssignment;
    }

    /**
     * Graceful stop, step 1 (on this context): admit nothing more and pause every partition, still polling so that
     * the member stays in the group while in-flight jobs finish.
     */
    @Override
    public Future<Void> stopAdmitting() {
        return onContext(() -> {
            stopping = true;
            queue.clear();
            full = false;
            applyPauses(false);
            return Future.succeededFuture();
        });
    }

    /** Graceful stop, step 2: commit what is done, then leave the group (the revoke hook commits once more). */
    @Override
    public Future<Void> commitAndClose() {
        return onContext(() -> commit(true).eventually(() -> closeConsumer()));
    }

    /** Abrupt stop: leave the group without committing anything more (a crash, as far as offsets go). */
    @Override
    public Future<Void> kill() {
        killed = true;
        return onContext(this::closeConsumer);
    }

    private Future<Void> closeConsumer() {
        if (closed) return Future.succeededFuture();
        closed = true;
        if (commitTimer >= 0) vertx.cancelTimer(commitTimer);
        hasAssignment = false;
        return consumer.close();
    }

    @Override
    public Future<?> stop() {
        return closeConsumer();
    }

    /** Unfinished records (tests, metrics). */
    public Future<Integer> outstanding() {
        return onContext(() -> Future.succeededFuture(tracker.outstanding()));
    }

    private <T> Future<T> onContext(java.util.function.Supplier<Future<T>> action) {
        return JobRecords.onContext(context, action);
    }

    private static Set<io.vertx.kafka.client.common.TopicPartition> toVertx(Set<TopicPartition> parts) {
        return parts.stream().map(tp -> new io.vertx.kafka.client.common.TopicPartition(tp.topic(), tp.partition())).collect(Collectors.toSet());
    }

    private static Set<TopicPartition> toKafka(Set<io.vertx.kafka.client.common.TopicPartition> parts) {
        return parts.stream().map(tp -> new TopicPartition(tp.getTopic(), tp.getPartition())).collect(Collectors.toSet());
    }
}
