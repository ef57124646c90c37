package dev.flowline.kafka;

import dev.flowline.kafka.offsets.PartitionProgress;
import org.apache.kafka.common.TopicPartition;

import java.util.BitSet;
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
 *
 * <p>Beyond the commit offset, each partition knows which records are done and how many deliveries of each unfinished
 * record were started ({@link #progress}); the intake commits that as metadata ({@code offsets.ProgressCodec}) and
 * the next owner passes it to {@link #assign(TopicPartition, PartitionProgress)}: records the previous owners
 * finished are skipped ({@link #received} answers false), and delivery counts carry over.
 */
public final class OffsetTracker {

    /** Most offsets after the commit offset that {@link #progress} describes (the codec keeps fewer anyway). */
    static final int MAX_PROGRESS_SPAN = 1 << 16;

    private static final class PartitionState {
        final long generation;
        /** What earlier owners recorded beyond the committed offset this assignment started from. */
        final PartitionProgress inherited;
        /** Unfinished offsets whose delivery this assignment started (one more than {@code inherited} counts). */
        final java.util.HashSet<Long> attempted = new java.util.HashSet<>();
        /** Bumped on every change the commit metadata would show; {@code committedVersion} is the last one committed. */
        long version;
        long committedVersion;
        /** Received and not yet done, ascending. Invariant: every element <= highestReceived. */
        final TreeSet<Long> unfinished = new TreeSet<>();
        /** Unfinished records on their way to done by themselves (admitted, or being dead-lettered). Subset of unfinished. */
        final java.util.HashSet<Long> inProgress = new java.util.HashSet<>();
        /** Highest offset received in this assignment, -1 before the first. */
        long highestReceived = -1;
        /** Last offset committed (the "next offset to read" form), -1 when nothing was committed in this assignment. */
        long committed = -1;

        PartitionState(long generation, PartitionProgress inherited) {
            this.generation = generation;
            this.inherited = inherited;
        }

        long commitOffset() {
            if (!unfinished.isEmpty()) return unfinished.first();
            if (highestReceived < 0) return inherited == null ? -1 : inherited.base();
            return highestReceived + 1;
        }

        boolean inheritedDone(long offset) {
            return inherited != null && inherited.isDone(offset);
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
        return assign(tp, null);
    }

    /**
     * As {@link #assign(TopicPartition)}, with what earlier owners recorded beyond the committed offset (null: nothing);
     * its base must be the offset the consumer starts from.
     */
    public long assign(TopicPartition tp, PartitionProgress inherited) {
        return partitions.computeIfAbsent(tp, k -> new PartitionState(nextGeneration++, inherited)).generation;
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
     * Records a received record; it stays unfinished until {@link #done}. False when an earlier owner finished it (the
     * commit metadata said so): it counts as done at once and must not run again.
     *
     * @throws IllegalStateException when the partition is not assigned
     */
    public boolean received(TopicPartition tp, long offset) {
        PartitionState s = state(tp);
        if (offset > s.highestReceived) s.highestReceived = offset;
        if (s.inheritedDone(offset)) return false;
        s.unfinished.add(offset);
        s.version++;
        return true;
    }

    /** Deliveries of an unfinished record that earlier owners started and did not finish (0 when none recorded). */
    public int earlierDeliveries(TopicPartition tp, long offset) {
        PartitionState s = partitions.get(tp);
        return s == null || s.inherited == null ? 0 : s.inherited.attempts(offset);
    }

    /** Notes that this assignment starts a delivery of the record (the next owner will count one more). */
    public void attempted(TopicPartition tp, long generation, long offset) {
        PartitionState s = partitions.get(tp);
        if (s != null && s.generation == generation && s.unfinished.contains(offset) && s.attempted.add(offset)) s.version++;
    }

    /**
     * Marks a record done (its result was acked, or it was dead-lettered). False, and nothing changes, when the
     * partition's assignment is not {@code generation} any more or the record is not unfinished.
     */
    public boolean done(TopicPartition tp, long generation, long offset) {
        PartitionState s = partitions.get(tp);
        if (s == null || s.generation != generation) return false;
        s.inProgress.remove(offset);
        s.attempted.remove(offset);
        if (!s.unfinished.remove(offset)) return false;
        s.version++;
        return true;
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

    /** Takes back {@link #attempted}: the job did not start after all (the scheduler was full). */
    public void unattempted(TopicPartition tp, long generation, long offset) {
        PartitionState s = partitions.get(tp);
        if (s != null && s.generation == generation && s.attempted.remove(offset)) s.version++;
    }

    /** Records in progress over all partitions. */
    public int inProgress() {
        int n = 0;
        for (PartitionState s : partitions.values()) n += s.inProgress.size();
        return n;
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

    /** A commit to make: the offset and what the metadata records beyond it, at a version of the partition's state. */
    public record Commit(long offset, PartitionProgress progress, long version) {}

    /**
     * Commits to make: every assigned partition whose commit offset moved or whose progress changed since its last
     * commit. {@code clean}: the deliveries this assignment started are not counted (a graceful revoke or shutdown
     * abandons them; they did not crash anything).
     */
    public Map<TopicPartition, Commit> commits(boolean clean) {
        return commits(partitions.keySet(), clean);
    }

    public Map<TopicPartition, Commit> commits(Set<TopicPartition> which, boolean clean) {
        Map<TopicPartition, Commit> out = new HashMap<>();
        for (TopicPartition tp : which) {
            PartitionState s = partitions.get(tp);
            if (s == null) continue;
            long c = s.commitOffset();
            if (c < 0) continue;
            if (c > s.committed || s.version > s.committedVersion || clean) out.put(tp, new Commit(c, progress(s, c, clean), s.version));
        }
        return out;
    }

    /** Notes a successful commit made from {@link #commits}. */
    public void committed(TopicPartition tp, Commit commit) {
        PartitionState s = partitions.get(tp);
        if (s == null) return;
        if (commit.offset() > s.committed) s.committed = commit.offset();
        if (commit.version() > s.committedVersion) s.committedVersion = commit.version();
    }

    /** What the metadata of a commit at {@code base} records for the partition (see {@link #commits}). */
    public PartitionProgress progress(TopicPartition tp, boolean clean) {
        PartitionState s = state(tp);
        return progress(s, Math.max(0, s.commitOffset()), clean);
    }

    private static PartitionProgress progress(PartitionState s, long base, boolean clean) {
        BitSet done = new BitSet();
        long limit = base + MAX_PROGRESS_SPAN;
        // received offsets above the base that are not unfinished are done (or were never delivered: gaps)
        long receivedTop = Math.min(s.highestReceived, limit);
        for (long o = base + 1; o <= receivedTop; o++) {
            if (!s.unfinished.contains(o)) done.set((int) (o - base - 1));
        }
        Map<Long, Integer> attempts = new HashMap<>();
        if (s.inherited != null) {
            // what earlier owners finished and this one has not received yet
            BitSet inh = s.inherited.doneAbove();
            long shift = s.inherited.base() + 1;
            for (int i = inh.nextSetBit(0); i >= 0; i = inh.nextSetBit(i + 1)) {
                long o = shift + i;
                if (o > limit) break;
                if (o > s.highestReceived && o > base) done.set((int) (o - base - 1));
            }
            s.inherited.attempts().forEach((o, n) -> {
                if (o > s.highestReceived && o >= base) attempts.put(o, n);
            });
        }
        for (long o : s.unfinished) {
            int n = (s.inherited == null ? 0 : s.inherited.attempts(o)) + (!clean && s.attempted.contains(o) ? 1 : 0);
            if (n > 0) attempts.put(o, n);
        }
        return new PartitionProgress(base, done, attempts);
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
