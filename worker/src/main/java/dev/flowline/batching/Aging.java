package dev.flowline.batching;

/** Effective priority: a job's priority raised by one level per {@code agingNanos} of waiting, so nothing starves. */
final class Aging {
    private Aging() {}

    static long effectivePriority(int priority, long waitingSinceNanos, long nowNanos, long agingNanos) {
        long waited = Math.max(0, nowNanos - waitingSinceNanos);
        return priority + waited / agingNanos;
    }
}
