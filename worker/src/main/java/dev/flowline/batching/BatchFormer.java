package dev.flowline.batching;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;

/**
 * Chooses the next model call: the group holding the most urgent ready row (highest effective priority, then the
 * row that has waited longest), then up to {@code maxBatchRows} of that group's rows in the same order. A sample's
 * rows (two for a guided evaluation) go into one call or wait whole; a sample that does not fit is skipped so that a
 * smaller one behind it may fill the call. Samples left out keep aging, so nothing starves.
 */
final class BatchFormer {
    /** Most urgent first: effective priority, longest waiting, then first ready (so equal times go round-robin). */
    static final Comparator<SampleSlot> URGENCY = Comparator.<SampleSlot>comparingLong(s -> -s.effectivePriority)
            .thenComparingLong(s -> s.readySinceNanos)
            .thenComparingLong(s -> s.readyOrder);

    private final int maxBatchRows;
    private final long agingNanos;
    /** Reused sorting space; confined to the caller's lock. */
    private final ArrayList<SampleSlot> scratch = new ArrayList<>();

    BatchFormer(int maxBatchRows, long agingNanos) {
        this.maxBatchRows = maxBatchRows;
        this.agingNanos = agingNanos;
    }

    /** The next call over {@code groups} (whose slots are all ready, none done), or null when there is none. */
    BatchPlan form(Collection<Group> groups, long now, long batchSeq) {
        Group best = null;
        SampleSlot bestHead = null;
        int bestRows = 0;
        for (Group g : groups) {
            SampleSlot head = null;
            int rows = 0;
            for (SampleSlot s : g.slots) {
                s.effectivePriority = Aging.effectivePriority(s.run.job.priority(), s.readySinceNanos, now, agingNanos);
                rows += s.rows;
                if (head == null || URGENCY.compare(s, head) < 0) head = s;
            }
            if (head != null && (bestHead == null || URGENCY.compare(head, bestHead) < 0)) {
                best = g;
                bestHead = head;
                bestRows = rows;
            }
        }
        if (best == null) return null;
        SampleSlot[] members = bestRows <= maxBatchRows ? best.slots.toArray(new SampleSlot[0]) : mostUrgent(best);
        return new BatchPlan(batchSeq, best.key, best.model, members);
    }

    private SampleSlot[] mostUrgent(Group g) {
        scratch.clear();
        scratch.addAll(g.slots);
        scratch.sort(URGENCY);
        ArrayList<SampleSlot> chosen = new ArrayList<>();
        int rows = 0;
        for (SampleSlot s : scratch) {
            if (rows + s.rows > maxBatchRows) continue;
            chosen.add(s);
            rows += s.rows;
            if (rows == maxBatchRows) break;
        }
        scratch.clear();
        return chosen.toArray(new SampleSlot[0]);
    }
}
