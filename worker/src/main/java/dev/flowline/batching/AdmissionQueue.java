package dev.flowline.batching;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Predicate;

/**
 * Admitted jobs waiting for the active set. Order: effective priority (priority aged by time since admission),
 * then (when deadline-first) jobs with a deadline, earliest first, then admission order. Aging changes the order over time, so it is computed when asked; the queue is bounded by
 * {@code maxJobsInFlight}, and it is only ordered when the active set has room.
 */
final class AdmissionQueue {
    private final ArrayList<JobRun> runs = new ArrayList<>();
    private final long agingNanos;
    private final boolean deadlineFirst;

    AdmissionQueue(long agingNanos, boolean deadlineFirst) {
        this.agingNanos = agingNanos;
        this.deadlineFirst = deadlineFirst;
    }

    void add(JobRun run) {
        runs.add(run);
    }

    void remove(JobRun run) {
        runs.remove(run);
    }

    void removeIf(Predicate<JobRun> which) {
        runs.removeIf(which);
    }

    int size() {
        return runs.size();
    }

    boolean isEmpty() {
        return runs.isEmpty();
    }

    /** A sorted copy, best first, as of {@code now}. */
    List<JobRun> ordered(long now) {
        List<JobRun> copy = new ArrayList<>(runs);
        copy.sort(order(now));
        return copy;
    }

    /** The best job as of {@code now}, or null. */
    JobRun best(long now) {
        JobRun best = null;
        Comparator<JobRun> order = order(now);
        for (JobRun r : runs) if (best == null || order.compare(r, best) < 0) best = r;
        return best;
    }

    private Comparator<JobRun> order(long now) {
        Comparator<JobRun> byPriority = Comparator.comparingLong(
                r -> -Aging.effectivePriority(r.job.priority(), r.admittedNanos, now, agingNanos));
        if (deadlineFirst) byPriority = byPriority.thenComparingLong(r -> r.deadlineNanos);
        return byPriority.thenComparingLong(r -> r.seq);
    }
}
