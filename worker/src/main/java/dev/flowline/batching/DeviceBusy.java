package dev.flowline.batching;

/**
 * The share of recent time the device spent in model calls, every group's calls together: an exponentially decaying
 * sum of call durations over {@link #TAU_NANOS}. It tells the call-size choice whether the device has time to spare
 * (see {@link CostCurve#learned}). Confined to the scheduler core, on its clock.
 */
final class DeviceBusy {
    /** Long enough that one burst does not count as a busy device, short enough to follow a change of load. */
    static final long TAU_NANOS = 10_000_000_000L;

    private double busyNanos;
    private long lastEndNanos = Long.MIN_VALUE;
    private long firstStartNanos = Long.MIN_VALUE;

    /** A call that took {@code nanos} and ended at {@code endNanos}. */
    void record(long nanos, long endNanos) {
        busyNanos = decayed(endNanos) + nanos;
        lastEndNanos = Math.max(lastEndNanos, endNanos);
        if (firstStartNanos == Long.MIN_VALUE) firstStartNanos = endNanos - nanos;
    }

    /**
     * The busy fraction as of {@code nowNanos}, in [0, 1] (0 before any call). Weighed over the time since the first
     * call when that is shorter than the time constant, so that a device busy from its start reads busy at once.
     */
    double fraction(long nowNanos) {
        if (firstStartNanos == Long.MIN_VALUE) return 0;
        double window = TAU_NANOS * -Math.expm1(-(double) Math.max(1, nowNanos - firstStartNanos) / TAU_NANOS);
        return Math.min(1.0, decayed(nowNanos) / window);
    }

    private double decayed(long nowNanos) {
        if (lastEndNanos == Long.MIN_VALUE || nowNanos <= lastEndNanos) return busyNanos;
        return busyNanos * Math.exp(-(double) (nowNanos - lastEndNanos) / TAU_NANOS);
    }
}
