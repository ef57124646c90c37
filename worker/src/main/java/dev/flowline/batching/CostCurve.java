package dev.flowline.batching;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * What one compatibility group's model calls cost, learned from the scheduler's own calls, and the call size it
 * implies. Calls are binned by rows into sizes 1, 2, 4 … up to the ceiling ({@code maxBatchRows}); each bin's rows
 * and time per call are the medians of its last {@link #WINDOW} calls (see {@link #record} for why not a mean). The
 * chosen size is the smallest bin within {@link #TOLERANCE} of the
 * best rows per second among bins whose calls stay under the latency bound: on an accelerator, where rows are
 * nearly free, that is the ceiling; on a CPU, where a row costs the same batched or not, it is small, and the
 * ordering policy then decides who rides. While the device has time to spare (busy under {@link #SPARE_BELOW} of
 * the last {@link DeviceBusy#TAU_NANOS}), a smaller size within {@link #SPARE_TOLERANCE} is chosen: see
 * {@link #learned}.
 *
 * <p>Sizes between and above measured bins are read off a straight line through the two largest (time = a + c·rows),
 * so the traffic's own calls are enough. When it gives only one bin (calls always full), one call in
 * {@link #PROBE_EVERY} takes one row to give the second point; a bin the traffic no longer fills is re-measured
 * after {@link #STALE_AFTER} calls, and the sizes above the largest measured one are probed up to the bound, since a
 * device's curve can dip and rise again. Before anything is known, and when calls take
 * no measurable time, the ceiling is chosen (the scheduler's behaviour before it learned). Confined to the core.
 */
final class CostCurve {
    /** Bins whose rows per second are this close to the best count as equally good; the smallest of them wins. */
    static final double TOLERANCE = 0.05;
    /** One call in this many may be sized to probe a bin. */
    static final int PROBE_EVERY = 32;
    /** A bin not measured within this many calls is stale. */
    static final int STALE_AFTER = 1024;
    /** Calls per bin whose medians are the bin's estimate. */
    static final int WINDOW = 15;
    /** Offered rows per second at or above this share of the best measured rate: the learned size cannot carry them. */
    static final double OUTGROWN = 0.9;
    /** Time constant of the offered-rows meter (an exponentially decaying sum; rate = sum / tau). */
    static final long DEMAND_TAU_NANOS = 1_000_000_000L;
    /** A device busy less than this share of the time has time to spare: calls may be a little slower per row. */
    static final double SPARE_BELOW = 0.9;
    /** On a device with time to spare, sizes this close to the best rows per second count as good enough. */
    static final double SPARE_TOLERANCE = 0.07;

    private final int[] sizes;
    /** Per bin: the medians of its window (see {@link #record}). */
    private final double[] typicalNanos;
    private final double[] typicalRows;
    private final long[][] windowNanos;
    private final long[][] windowRows;
    private final long[] calls;
    private final long[] lastCall;
    private final long[] lastMeasured;
    private final int[] filled;
    private final int[] nextSlot;
    private long callCount;
    private long lastEndNanos = Long.MIN_VALUE;
    private double offeredRows;
    private long lastOfferNanos = Long.MIN_VALUE;
    private final DeviceBusy device;

    /** A curve whose calls are the only ones on the device. */
    CostCurve(int ceiling) {
        this(ceiling, new DeviceBusy());
    }

    /** {@code device}: the busy meter of the device this group shares with others; this curve's calls are added to it. */
    CostCurve(int ceiling, DeviceBusy device) {
        this.device = device;
        List<Integer> s = new ArrayList<>();
        for (int b = 1; b < ceiling; b *= 2) s.add(b);
        s.add(ceiling);
        sizes = s.stream().mapToInt(Integer::intValue).toArray();
        typicalNanos = new double[sizes.length];
        typicalRows = new double[sizes.length];
        windowNanos = new long[sizes.length][WINDOW];
        windowRows = new long[sizes.length][WINDOW];
        calls = new long[sizes.length];
        lastCall = new long[sizes.length];
        lastMeasured = new long[sizes.length];
        filled = new int[sizes.length];
        nextSlot = new int[sizes.length];
    }

    /**
     * A call of {@code rows} rows that took {@code nanos} and ended at {@code endNanos} (the scheduler's clock).
     *
     * <p>The bin's estimate is the median rows and the median time of its last {@link #WINDOW} calls. A call's time
     * only ever gains from the threads it shares the cores with: with one model thread on a 2-core CPU, one-row
     * calls took 1.52 ms at the median but up to 6.4 ms. A moving average (weight 0.2, as before) took each such call
     * a fifth in, so one slow call made the one-row bin look 40% slower and the curve picked 8 or 16 rows for the next
     * calls: on a flat curve every job in those calls then waits several times as long for its step. Taking both
     * medians keeps the pair on the device's curve, since time rises with rows (the median commutes with a rising
     * function). A bin not measured within {@link #STALE_AFTER} calls starts its window afresh.
     */
    void record(int rows, long nanos, long endNanos) {
        device.record(nanos, endNanos);
        lastEndNanos = endNanos;
        callCount++;
        int b = bin(rows);
        if (calls[b] > 0 && callCount - lastMeasured[b] > STALE_AFTER) filled[b] = nextSlot[b] = 0;
        windowNanos[b][nextSlot[b]] = nanos;
        windowRows[b][nextSlot[b]] = rows;
        nextSlot[b] = (nextSlot[b] + 1) % WINDOW;
        filled[b] = Math.min(WINDOW, filled[b] + 1);
        typicalNanos[b] = lowerMedian(windowNanos[b], filled[b]);
        typicalRows[b] = lowerMedian(windowRows[b], filled[b]);
        calls[b]++;
        lastCall[b] = callCount;
        lastMeasured[b] = callCount;
    }

    private static long lowerMedian(long[] window, int n) {
        long[] v = Arrays.copyOf(window, n);
        Arrays.sort(v);
        return v[(n - 1) / 2];
    }

    /** A job admitted at {@code nowNanos} will need {@code rows} rows of this group's calls (its expected work). */
    void offered(long rows, long nowNanos) {
        offeredRows = decayedOffer(nowNanos) + rows;
        lastOfferNanos = nowNanos;
    }

    /** Rows per second offered lately (time constant {@link #DEMAND_TAU_NANOS}), as of {@code nowNanos}. */
    double offeredRowsPerSecond(long nowNanos) {
        return decayedOffer(nowNanos) * 1e9 / DEMAND_TAU_NANOS;
    }

    private double decayedOffer(long nowNanos) {
        if (lastOfferNanos == Long.MIN_VALUE || nowNanos <= lastOfferNanos) return offeredRows;
        return offeredRows * Math.exp(-(double) (nowNanos - lastOfferNanos) / DEMAND_TAU_NANOS);
    }

    /** Rows the next call should take (at most the ceiling): a probe now and then, else the learned size. */
    int target(long maxCallNanos) {
        if (callCount >= PROBE_EVERY && callCount % PROBE_EVERY == 0) {
            int measured = 0, stalest = -1;
            for (int b = 0; b < sizes.length; b++) {
                if (calls[b] == 0) continue;
                measured++;
                if (callCount - lastCall[b] > STALE_AFTER && (stalest < 0 || lastCall[b] < lastCall[stalest])) stalest = b;
            }
            if (measured < 2 && calls[0] == 0) stalest = 0; // a second point for the fit: one row
            if (stalest < 0) stalest = binAboveTheTop(maxCallNanos);
            if (stalest >= 0) {
                lastCall[stalest] = callCount; // probed: not again at once if the traffic cannot fill it
                return sizes[stalest];
            }
        }
        return learned(maxCallNanos);
    }

    /**
     * The bin above the largest measured one under the bound, to probe now, or -1. Probed every few
     * {@link #PROBE_EVERY} calls while the curve still rises there (that bin is the fastest, by more than half the
     * tolerance over the one below it): measured only in the sizes the traffic gives, a CPU's curve (1 row: 538
     * rows/s, 2: 744, 64: 801 but over the bound) would otherwise never learn that 8 rows give 830. Otherwise, when
     * that bin was never measured (or not within {@link #STALE_AFTER} calls) and the rows offered lately reach
     * {@link #OUTGROWN} of the best measured rate, once per STALE_AFTER calls: device curves are not concave (the
     * latent demo model on ONNX Runtime: 4 rows 3,137 rows/s, 8 rows 3,011, 16 rows 5,094, 64 rows 5,932), and a
     * search that stops at the first dip kept its calls at 4 rows, half the device's capacity, so a 70% load
     * overloaded it. Only a load the measured sizes cannot carry needs more rows per second, and only
     * there is a larger call's wait worth it (on a CPU, where rows cost the same, a probe only delays the jobs in it).
     * Never a bin known, or estimated, to break the bound.
     */
    private int binAboveTheTop(long maxCallNanos) {
        int top = -1, below = -1;
        double best = 0;
        for (int b = 0; b < sizes.length; b++) {
            if (!usable(b, maxCallNanos)) continue;
            below = top;
            top = b;
            best = Math.max(best, rate(b));
        }
        int above = top + 1;
        if (top < 0 || above >= sizes.length) return -1;
        if (calls[above] > 0 ? typicalNanos[above] > maxCallNanos : estimateNanos(sizes[above]) > maxCallNanos) return -1;
        boolean rising = rate(top) >= best && (below < 0 || rate(top) >= (1 + TOLERANCE / 2) * rate(below));
        long sinceAbove = callCount - lastCall[above];
        if (rising) return lastCall[above] != 0 && sinceAbove <= 4L * PROBE_EVERY ? -1 : above;
        boolean outgrown = lastEndNanos != Long.MIN_VALUE && offeredRowsPerSecond(lastEndNanos) >= OUTGROWN * best * 1e9;
        return outgrown && (lastCall[above] == 0 || sinceAbove > STALE_AFTER) ? above : -1;
    }

    /**
     * The call size to aim at: {@link #throughputSize} on a busy device; with time to spare, the smallest size up to
     * it whose estimated rows per second (a full call of that size, {@link #estimateNanos}) come within
     * {@link #SPARE_TOLERANCE} of the best of those sizes.
     *
     * <p>Why: every call a job rides is a step of its chain, so a smaller call shortens every job in it, while the
     * rows per second it gives up only matter once the device is short of time. On the latent demo model's curve at
     * 70% load this took the simulated p99 against request-level batching from 0.96 to 0.86 (median of 5 traces, every
     * trace better); at 90% load the device is busier than {@link #SPARE_BELOW} and the throughput size is kept. On an
     * accelerator the best size is also the smallest near it, so nothing changes; on the CPU curve (4 rows: 779 rows/s
     * in 5.1 ms, 8 rows: 830 in 9.6 ms) the change is within what one trace to the next moves (0.90 → 0.91).
     */
    int learned(long maxCallNanos) {
        int best = throughputSize(maxCallNanos);
        if (lastEndNanos == Long.MIN_VALUE || device.fraction(lastEndNanos) >= SPARE_BELOW) return best;
        double bestRate = 0;
        for (int size : sizes) if (size <= best) bestRate = Math.max(bestRate, fullCallRate(size));
        for (int size : sizes) if (size <= best && fullCallRate(size) >= (1 - SPARE_TOLERANCE) * bestRate) return size;
        return best;
    }

    /**
     * What bin {@code b} can give, in rows per nanosecond: its calls' own rate, or, when they came under-filled, that
     * of a full call of its size along the line ({@link #estimateNanos}) if that stays under the bound. The rows a
     * bin's calls carry are the traffic's, not the device's: on the accelerator-like model at 70% load the top bin's
     * calls carried 33 of 64 rows (8.3 rows/ms, where a full call gives 13), the 32-row bin came within the
     * tolerance of it and was chosen, and its 8.1 rows/ms could not carry the 8.8 offered: the queue grew until the
     * top bin went stale 1,024 calls later (simulated p99 against request-level 1.12 on that trace; 0.49 judged this way).
     */
    private double capacityRate(int b, long maxCallNanos) {
        double measured = rate(b);
        if (typicalRows[b] >= sizes[b]) return measured;
        long full = estimateNanos(sizes[b]);
        return full > 0 && full <= maxCallNanos ? Math.max(measured, sizes[b] / (double) full) : measured;
    }

    /** Rows per nanosecond of a call of exactly {@code rows} rows, as estimated. */
    private double fullCallRate(int rows) {
        return rows / (double) Math.max(1, estimateNanos(rows));
    }

    /**
     * The smallest measured bin within TOLERANCE of the best rows/s under the bound, each bin judged by
     * {@link #capacityRate}. The best counts the ceiling too
     * while it is not measured, extrapolated along the two largest measured bins (time = a + c·rows), since the
     * curve may still rise there; with fewer than two bins measured, or when no measured bin comes close, the
     * ceiling.
     */
    int throughputSize(long maxCallNanos) {
        double best = 0;
        int top = -1, below = -1;
        for (int b = 0; b < sizes.length; b++) {
            if (!usable(b, maxCallNanos)) continue;
            best = Math.max(best, capacityRate(b, maxCallNanos));
            below = top;
            top = b;
        }
        int ceiling = sizes.length - 1;
        if (top < 0) return sizes[ceiling];
        if (calls[ceiling] == 0) {
            if (below < 0) return sizes[ceiling];
            double c = (typicalNanos[top] - typicalNanos[below]) / Math.max(1e-9, typicalRows[top] - typicalRows[below]);
            // The largest call the line keeps under the bound, up to the ceiling.
            double rows = c <= 0 ? sizes[ceiling] : Math.min(sizes[ceiling], typicalRows[top] + (maxCallNanos - typicalNanos[top]) / c);
            double time = Math.max(typicalNanos[top], typicalNanos[top] + c * (rows - typicalRows[top]));
            if (rows > typicalRows[top]) best = Math.max(best, rows / Math.max(1.0, time));
        }
        for (int b = 0; b < sizes.length; b++) {
            if (usable(b, maxCallNanos) && capacityRate(b, maxCallNanos) >= (1 - TOLERANCE) * best) return sizes[b];
        }
        return sizes[ceiling];
    }

    /**
     * Estimated time of a call of {@code rows} rows: linear between the measured bins (by their typical rows and time),
     * beyond them along the nearest two; 0 while nothing is measured.
     */
    long estimateNanos(int rows) {
        int lo = -1, hi = -1, prevLo = -1, nextHi = -1;
        for (int b = 0; b < sizes.length; b++) {
            if (calls[b] == 0) continue;
            if (typicalRows[b] <= rows) {
                prevLo = lo;
                lo = b;
            } else if (hi < 0) {
                hi = b;
            } else if (nextHi < 0) {
                nextHi = b;
            }
        }
        int a, z;
        if (lo >= 0 && hi >= 0) { a = lo; z = hi; }
        else if (lo >= 0) { a = prevLo; z = lo; }
        else if (hi >= 0) { a = hi; z = nextHi; }
        else return 0;
        if (a < 0 || z < 0) return Math.round(typicalNanos[Math.max(a, z)]);
        double c = (typicalNanos[z] - typicalNanos[a]) / Math.max(1e-9, typicalRows[z] - typicalRows[a]);
        return Math.max(0, Math.round(typicalNanos[a] + c * (rows - typicalRows[a])));
    }

    /** The measured bins as a least-squares line (see {@link LearnedCost}); rows aimed at are the caller's. */
    LearnedCost model(String groupKey, String kind, int targetRows) {
        int n = 0;
        long total = 0;
        double sx = 0, sy = 0, sxx = 0, sxy = 0;
        for (int b = 0; b < sizes.length; b++) {
            if (calls[b] == 0) continue;
            n++;
            total += calls[b];
            double x = typicalRows[b], y = typicalNanos[b] / 1e3;
            sx += x; sy += y; sxx += x * x; sxy += x * y;
        }
        if (n == 0) return new LearnedCost(groupKey, kind, 0, 0, targetRows, 0);
        double denom = n * sxx - sx * sx;
        if (n < 2 || denom <= 1e-12) return new LearnedCost(groupKey, kind, 0, sy / Math.max(1e-9, sx), targetRows, total);
        double perRow = Math.max(0, (n * sxy - sx * sy) / denom);
        double perCall = Math.max(0, (sy - perRow * sx) / n);
        return new LearnedCost(groupKey, kind, perCall, perRow, targetRows, total);
    }

    List<CallCost> points() {
        List<CallCost> out = new ArrayList<>();
        for (int b = 0; b < sizes.length; b++) {
            if (calls[b] > 0) out.add(new CallCost(sizes[b], typicalRows[b], typicalNanos[b] / 1e6, calls[b]));
        }
        return out;
    }

    private boolean usable(int b, long maxCallNanos) {
        return calls[b] > 0 && typicalNanos[b] <= maxCallNanos;
    }

    /** Rows per nanosecond; a call too fast to measure counts one nanosecond. */
    private double rate(int b) {
        return typicalRows[b] / Math.max(1.0, typicalNanos[b]);
    }

    private int bin(int rows) {
        for (int b = 0; b < sizes.length; b++) if (rows <= sizes[b]) return b;
        return sizes.length - 1;
    }
}
