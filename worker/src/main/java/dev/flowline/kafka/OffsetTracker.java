package dev.flowline.kafka;

import org.apache.kafka.common.TopicPartition;

import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;

/**
 * Which records of each assigned partition are received and not yet done, and so which offset is safe to commit.
 * Jobs finish out of order; the commit offset of a partition is its lowest unfinished offset, or one past the
 * highest received offset when nothing is unfinished. It never passes an unfinished record, and offsets that were
 * never received (compacted away, transaction markers) never hold it back.
 *
 * <p>Pure state, no Kafka I/O; not thread-safe (the intake's Vert.x context owns it).
 *
 * <p>Each assignment of a partition gets a new generation. Completions carry the generation of the assignment
 * their record was received in, so a completion that arrives after the partition was revoked (and perhaps
 * assigned again) cannot mark a record of the new assignment done.
 */
public final class OffsetTracker {

    /** Done offsets above the watermark are not recorded in commit metadata: after a crash they are redelivered. */
    private static final class PartitionState {
        final long generation;
        /** Received and not yet done, ascending. Invariant: every element <= highestReceived. */
        final TreeSet<Long> unfinished = new TreeSet<>();
        /** Unfinished records on their way to done by themselves (admitted, or being dead-lettered). Subset of unfinished. */
        final java.util.HashSet<Long> inProgress = new java.util.HashSet<>();
        /** Highest offset received in this assignment, -1 before the first. */
        long highestReceived = -1;
        /** Last offset committed (the "next offset to read" form), -1 when nothing was committed in this assignment. */
        long committed = -1;

        PartitionState(long generation) {
            this.generation = generation;
        }

        long commitOffset() {
            if (!unfinished.isEmpty()) return unfinished.first();
            return highestReceived + 1;
        }
    }

    private final int maxOutstandingPerPartition;
    private final Map<TopicPartition, PartitionState> partitions = new LinkedHashMap<>();
    private long nextGeneration = 1;

    public OffsetTracker(int maxOutstandingPerPartition) {
        if (maxOutstandingPerPartition < 1) throw new IllegalArgumentException("maxOutstandingPerPartition must be >= 1");
        this.maxOutstandingPerPartition = maxOutstandingPerPartition;
    }

    /** Starts tracking a partition and returns its generation; a partition already assigned keeps its state. */
    public long assign(TopicPartition tp) {
        return partitions.computeIfAbsent(tp, k -> new PartitionState(nextGeneration++)).generation;
    }

    /** Forgets a partition (revoked or lost); later completions of its records are ignored. */
    public void revoke(TopicPartition tp) {
        partitions.remove(tp);
    }

    public boolean isAssigned(TopicPartition tp) {
        return partitions.containsKey(tp);
    }

    public boolean isCurrent(TopicPartition tp, long generation) {
        PartitionState s = partitions.get(tp);
        return s != null && s.generation == generation;
    }

    /** The generation of the partition's current assignment, or -1 when it is not assigned. */
    public long generation(TopicPartition tp) {
        PartitionState s = partitions.get(tp);
        return s == null ? -1 : s.generation;
    }

    public Set<TopicPartition> assigned() {
        return Collections.unmodifiableSet(partitions.keySet());
    }

    /**
     * Records a received record; it stays unfinished until {@link #done}.
     *
     * @throws IllegalStateException when the partition is not assigned
     */
    public void received(TopicPartition tp, long offset) {
        PartitionState s = state(tp);
        s.unfinished.add(offset);
        if (offset > s.highestReceived) s.highestReceived = offset;
    }

    /**
     * Marks a record done (its result was acked, or it was dead-lettered). False, and nothing changes, when the
     * partition's assignment is not {@code generation} any more or the record is not unfinished.
     */
    public boolean done(TopicPartition tp, long generation, long offset) {
        PartitionState s = partitions.get(tp);
        if (s == null || s.generation != generation) return false;
        s.inProgress.remove(offset);
        return s.unfinished.remove(offset);
    }

    /**
     * Notes that an unfinished record is on its way to done without further action from the intake (its job was
     * admitted, or its dead letter is being sent). Records not in progress (waiting in a backlog, being decoded) only
     * finish if the intake acts; on revoke they are dropped instead of waited for.
     */
    public void started(TopicPartition tp, long generation, long offset) {
        PartitionState s = partitions.get(tp);
        if (s != null && s.generation == generation && s.unfinished.contains(offset)) s.inProgress.add(offset);
    }

    /** Records of the partition in progress (see {@link #started}). */
    public int inProgress(TopicPartition tp) {
        PartitionState s = partitions.get(tp);
        return s == null ? 0 : s.inProgress.size();
    }

    /** Whether no record of these partitions is in progress: waiting longer cannot move their commit offsets. */
    public boolean settled(Set<TopicPartition> which) {
        for (TopicPartition tp : which) {
            if (inProgress(tp) > 0) return false;
        }
        return true;
    }

    /** Received-but-unfinished records of the partition (0 when not assigned). */
    public int outstanding(TopicPartition tp) {
        PartitionState s = partitions.get(tp);
        return s == null ? 0 : s.unfinished.size();
    }

    /** Unfinished records over all partitions. */
    public int outstanding() {
        int n = 0;
        for (PartitionState s : partitions.values()) n += s.unfinished.size();
        return n;
    }

    /** Whether the partition has as many unfinished records as allowed: intake should pause it. */
    public boolean atLimit(TopicPartition tp) {
        return outstanding(tp) >= maxOutstandingPerPartition;
    }

    /** Whether a paused-at-limit partition has drained enough to resume (half the limit: hysteresis). */
    public boolean belowResumeMark(TopicPartition tp) {
        return outstanding(tp) <= maxOutstandingPerPartition / 2;
    }

    /** The offset a commit would store now (the next record to read), empty before the first record. */
    public OptionalLong commitOffset(TopicPartition tp) {
        PartitionState s = partitions.get(tp);
        if (s == null || s.highestReceived < 0) return OptionalLong.empty();
        return OptionalLong.of(s.commitOffset());
    }

    /** Offsets to commit: every assigned partition whose commit offset moved past its last committed one. */
    public Map<TopicPartition, Long> toCommit() {
        return toCommit(partitions.keySet());
    }

    /** As {@link #toCommit()}, restricted to the given partitions. */
    public Map<TopicPartition, Long> toCommit(Set<TopicPartition> which) {
        Map<TopicPartition, Long> out = new HashMap<>();
        for (TopicPartition tp : which) {
            PartitionState s = partitions.get(tp);
            if (s == null || s.highestReceived < 0) continue;
            long c = s.commitOffset();
            if (c > s.committed) out.put(tp, c);
        }
        return out;
    }

    /** Notes a successful commit; an older commit finishing late never moves the mark back. */
    public void committed(TopicPartition tp, long offset) {
        PartitionState s = partitions.get(tp);
        if (s != null && offset > s.committed) s.committed = offset;
    }

    /** Whether every received record of these partitions is done. */
    public boolean allDone(Set<TopicPartition> which) {
        for (TopicPartition tp : which) {
            if (outstanding(tp) > 0) return false;
        }
        return true;
    }

    private PartitionState state(TopicPartition tp) {
        PartitionState s = partitions.get(tp);
        if (s == null) throw new IllegalStateException(tp + " is not assigned");
        return s;
    }
}
