package dev.flowline.batching;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;

/**
 * Chooses the next model call: the group holding the most urgent ready row under the {@link OrderingPolicy}, then up
 * to its call size of that group's rows in the same order. A sample's rows (two for a guided evaluation) go into one
 * call or wait whole; a sample that does not fit is skipped so that a smaller one behind it may fill the call. Work
 * left out keeps aging, so nothing starves.
 *
 * <p>Job-aware policies rank whole jobs: every sample of a job shares its job's rank, so a started job rides every
 * call while it is among the oldest. Their aging runs from a job's admission: a level per {@code agingMillisPerLevel},
 * so a low priority overtakes newer higher ones in time and never starves, while equal priorities stay in order. With calls of 16 rows or more, an eighth of the call goes first to the jobs with
 * the least work left (short jobs back-fill), so that a short job arriving in a burst never waits the burst out.
 */
final class BatchFormer {
    /** ROUND_ROBIN: effective priority, longest waiting row, then first ready (so equal times go round-robin). */
    static final Comparator<SampleSlot> URGENCY = Comparator.<SampleSlot>comparingLong(s -> -s.effectivePriority)
            .thenComparingLong(s -> s.readySinceNanos)
            .thenComparingLong(s -> s.readyOrder);
    /**
     * Job-aware: effective priority, then the policy's job rank (lower first), then the older job, then within a
     * job the row waiting longest (a job's samples take turns: its slowest sample decides when it ends).
     */
    static final Comparator<SampleSlot> JOB_RANK = Comparator.<SampleSlot>comparingLong(s -> -s.effectivePriority)
            .thenComparingLong(s -> s.run.rank)
            .thenComparingLong(s -> s.run.seq)
            .thenComparingLong(s -> s.readySinceNanos)
            .thenComparingLong(s -> s.readyOrder);
    /** Back-fill: effective priority, then least work left, then the job rank. */
    static final Comparator<SampleSlot> LEAST_WORK = Comparator.<SampleSlot>comparingLong(s -> -s.effectivePriority)
            .thenComparingLong(s -> s.run.workLeft)
            .thenComparing(JOB_RANK);
    /** Calls of at least this many rows keep an eighth for back-fill. */
    static final int BACKFILL_FROM_ROWS = 16;

    private final OrderingPolicy policy;
    private final long agingNanos;
    private final Comparator<SampleSlot> order;
    /** Reused sorting space; confined to the caller's lock. */
    private final ArrayList<SampleSlot> scratch = new ArrayList<>();
    private long pass;

    BatchFormer(OrderingPolicy policy, long agingNanos) {
        this.policy = policy;
        this.agingNanos = agingNanos;
        this.order = policy.jobAware() ? JOB_RANK : URGENCY;
    }

    /** Says how many rows a group's next call may take (its learned size, at most maxBatchRows). */
    interface CallSize {
        int rowsFor(Group g);
    }

    /**
     * The next call over {@code groups} (whose slots are all ready, none done), or null when there is none.
     * {@code ranker} gives job-aware policies each job's rank and work left at {@code now}.
     */
    BatchPlan form(Collection<Group> groups, long now, long batchSeq, CallSize size, JobRanker ranker) {
        pass++;
        Group best = null;
        SampleSlot bestHead = null;
        int bestRows = 0;
        for (Group g : groups) {
            SampleSlot head = null;
            int rows = 0;
            for (SampleSlot s : g.slots) {
                rank(s, now, ranker);
                rows += s.rows;
                if (head == null || order.compare(s, head) < 0) head = s;
            }
            if (head != null && (bestHead == null || order.compare(head, bestHead) < 0)) {
                best = g;
                bestHead = head;
                bestRows = rows;
            }
        }
        if (best == null) return null;
        int limit = size.rowsFor(best);
        SampleSlot[] members = bestRows <= limit ? best.slots.toArray(new SampleSlot[0]) : mostUrgent(best, limit);
        return new BatchPlan(batchSeq, best.key, best.model, members);
    }

    private void rank(SampleSlot s, long now, JobRanker ranker) {
        JobRun run = s.run;
        if (!policy.jobAware()) {
            s.effectivePriority = Aging.effectivePriority(run.job.priority(), s.readySinceNanos, now, agingNanos);
            return;
        }
        if (run.rankedInPass != pass) {
            run.rankedInPass = pass;
            // Aged from admission, so that among equal priorities age never reorders jobs: aging from the last call
            // let every job left out for agingMillisPerLevel climb over the one being served, and under overload the
            // order fell back to sharing the device (FCFS by job lost exactly when waits grew long).
            run.effectivePriority = Aging.effectivePriority(run.job.priority(), run.admittedNanos, now, agingNanos);
            ranker.rank(run, now);
        }
        s.effectivePriority = run.effectivePriority;
    }

    private SampleSlot[] mostUrgent(Group g, int limit) {
        scratch.clear();
        scratch.addAll(g.slots);
        scratch.sort(order);
        // The most urgent sample always rides, whole: were a guided sample (two rows) skipped whenever the learned
        // call size is one row, every unguided row behind it would overtake it and the order would mean nothing.
        int cap = Math.max(limit, scratch.getFirst().rows);
        ArrayList<SampleSlot> chosen = new ArrayList<>();
        int rows = 0;
        if (policy.jobAware() && cap >= BACKFILL_FROM_ROWS) {
            scratch.sort(LEAST_WORK);
            rows = take(chosen, rows, cap / 8);
            scratch.sort(order);
        }
        take(chosen, rows, cap);
        scratch.clear();
        return chosen.toArray(new SampleSlot[0]);
    }

    /** Adds scratch's samples in order while rows stay within {@code upTo}; marks them taken. */
    private int take(ArrayList<SampleSlot> chosen, int rows, int upTo) {
        for (SampleSlot s : scratch) {
            if (s.takenInPass == pass) continue;
            if (rows + s.rows > upTo) continue;
            s.takenInPass = pass;
            chosen.add(s);
            rows += s.rows;
            if (rows == upTo) break;
        }
        return rows;
    }

    /** Sets a job's {@link JobRun#rank} (lower goes first) and {@link JobRun#workLeft} for one forming pass. */
    interface JobRanker {
        void rank(JobRun run, long now);
    }
}
