package dev.flowline.kafka.offsets;

import java.util.BitSet;
import java.util.Map;
import java.util.TreeMap;

/**
 * What one owner of a partition knew beyond its committed offset, carried to the next owner in the commit metadata.
 *
 * @param base      the committed offset this describes (the lowest unfinished record, or the next to read); the
 *                  metadata counts only when the group's committed offset is exactly this
 * @param doneAbove bit {@code i} set: offset {@code base + 1 + i} is done (its result or dead letter was acked), so the
 *                  next owner skips it. Invariant: never mutated after construction (copied in and out)
 * @param attempts  offset ({@code >= base}) to how many deliveries of it were started and not finished; a record
 *                  whose count reached {@code kafka.maxDeliveries} killed that many workers and is dead-lettered
 */
public record PartitionProgress(long base, BitSet doneAbove, Map<Long, Integer> attempts) {
    public PartitionProgress {
        if (base < 0) throw new IllegalArgumentException("base must be >= 0, got " + base);
        doneAbove = (BitSet) doneAbove.clone();
        TreeMap<Long, Integer> a = new TreeMap<>();
        attempts.forEach((offset, count) -> {
            if (offset < base) throw new IllegalArgumentException("attempt offset " + offset + " is below the base " + base);
            if (count < 1) throw new IllegalArgumentException("attempt count of " + offset + " must be >= 1, got " + count);
            a.put(offset, count);
        });
        attempts = java.util.Collections.unmodifiableSortedMap(a);
    }

    /** Nothing known beyond {@code base}. */
    public static PartitionProgress none(long base) {
        return new PartitionProgress(base, new BitSet(), Map.of());
    }

    @Override
    public BitSet doneAbove() {
        return (BitSet) doneAbove.clone();
    }

    public boolean isDone(long offset) {
        long i = offset - base - 1;
        return i >= 0 && i < Integer.MAX_VALUE && doneAbove.get((int) i);
    }

    /** Deliveries of {@code offset} started by earlier owners (0 when none is recorded). */
    public int attempts(long offset) {
        return attempts.getOrDefault(offset, 0);
    }

    public boolean isEmpty() {
        return doneAbove.isEmpty() && attempts.isEmpty();
    }

    /** Offsets after {@code base} this describes: up to the highest done offset or attempted offset. */
    public long span() {
        long s = doneAbove.length();
        if (!attempts.isEmpty()) s = Math.max(s, ((java.util.SortedMap<Long, Integer>) attempts).lastKey() - base);
        return s;
    }

    /** The same knowledge about offsets up to {@code base + span} only (what a size-bounded encoding keeps). */
    public PartitionProgress truncated(long span) {
        BitSet d = doneAbove.get(0, (int) Math.min(Integer.MAX_VALUE, Math.max(0, span)));
        Map<Long, Integer> a = new TreeMap<>();
        attempts.forEach((o, c) -> {
            if (o - base <= span) a.put(o, c);
        });
        return new PartitionProgress(base, d, a);
    }
}
