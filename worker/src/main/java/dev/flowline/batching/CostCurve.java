package dev.flowline.batching;

import java.util.ArrayList;
import java.util.List;

/**
 * What one compatibility group's model calls cost, learned from the scheduler's own calls, and the call size it
 * implies. Calls are binned by rows into sizes 2, 4, 8 … up to the ceiling ({@code maxBatchRows}); each bin keeps a
 * moving average of rows and time per call. The chosen size is the smallest bin within {@link #TOLERANCE} of the
 * best rows per second among bins whose calls stay under the latency bound: on an accelerator, where rows are
 * nearly free, that is the ceiling; on a CPU, where a row costs the same batched or not, it is small, and the
 * ordering policy then decides who rides.
 *
 * <p>Bins the traffic does not fill (small ones under load, large ones when idle) are probed: every
 * {@link #PROBE_EVERY} calls one call is sized to the stalest bin. Before anything is known, and when calls take
 * no measurable time, the ceiling is chosen (the scheduler's behaviour before it learned). Confined to the core.
 */
final class CostCurve {
    /** Bins whose rows per second are this close to the best count as equally good; the smallest of them wins. */
    static final double TOLERANCE = 0.05;
    /** One call in this many may be sized to probe a bin the traffic leaves stale. */
    static final int PROBE_EVERY = 32;
    /** A bin not measured within this many calls is stale. */
    static final int STALE_AFTER = 8 * PROBE_EVERY;
    private static final double ALPHA = 0.2;

    private final int[] sizes;
    private final double[] meanNanos;
    private final double[] meanRows;
    private final long[] calls;
    private final long[] lastCall;
    private long callCount;

    CostCurve(int ceiling) {
        List<Integer> s = new ArrayList<>();
        for (int b = 2; b < ceiling; b *= 2) s.add(b);
        s.add(ceiling);
        sizes = s.stream().mapToInt(Integer::intValue).toArray();
        meanNanos = new double[sizes.length];
        meanRows = new double[sizes.length];
        calls = new long[sizes.length];
        lastCall = new long[sizes.length];
    }

    void record(int rows, long nanos) {
        callCount++;
        int b = bin(rows);
        if (calls[b] == 0) {
            meanNanos[b] = nanos;
            meanRows[b] = rows;
        } else {
            meanNanos[b] += ALPHA * (nanos - meanNanos[b]);
            meanRows[b] += ALPHA * (rows - meanRows[b]);
        }
        calls[b]++;
        lastCall[b] = callCount;
    }

    /** Rows the next call should take (at most the ceiling): a probe now and then, else the learned size. */
    int target(long maxCallNanos) {
        if (callCount >= PROBE_EVERY && callCount % PROBE_EVERY == 0) {
            int stalest = -1;
            for (int b = 0; b < sizes.length; b++) {
                boolean stale = calls[b] == 0 || callCount - lastCall[b] > STALE_AFTER;
                if (stale && (stalest < 0 || lastCall[b] < lastCall[stalest])) stalest = b;
            }
            if (stalest >= 0) {
                lastCall[stalest] = callCount; // probed: not probed again at once if the traffic cannot fill it
                return sizes[stalest];
            }
        }
        return learned(maxCallNanos);
    }

    /**
     * The smallest measured bin within TOLERANCE of the best rows/s under the bound. The ceiling when nothing is
     * known, or when the best is the largest bin measured and larger ones are not (the curve may still rise).
     */
    int learned(long maxCallNanos) {
        double best = 0;
        int bestBin = -1;
        int top = -1;
        for (int b = 0; b < sizes.length; b++) {
            if (!usable(b, maxCallNanos)) continue;
            top = b;
            if (rate(b) > best) {
                best = rate(b);
                bestBin = b;
            }
        }
        if (bestBin < 0) return sizes[sizes.length - 1];
        if (bestBin == top && calls[sizes.length - 1] == 0 && meanNanos[top] < maxCallNanos) return sizes[sizes.length - 1];
        for (int b = 0; b < sizes.length; b++) {
            if (usable(b, maxCallNanos) && rate(b) >= (1 - TOLERANCE) * best) return sizes[b];
        }
        return sizes[sizes.length - 1];
    }

    /** Estimated time of a call of {@code rows} rows: the nearest measured bin at or above it, scaled; 0 when unknown. */
    long estimateNanos(int rows) {
        int b0 = bin(rows);
        for (int b = b0; b < sizes.length; b++) if (calls[b] > 0) return Math.round(meanNanos[b] * Math.min(1.0, rows / meanRows[b]));
        for (int b = b0 - 1; b >= 0; b--) if (calls[b] > 0) return Math.round(meanNanos[b]); // a larger call costs no less
        return 0;
    }

    List<CallCost> points() {
        List<CallCost> out = new ArrayList<>();
        for (int b = 0; b < sizes.length; b++) {
            if (calls[b] > 0) out.add(new CallCost(sizes[b], meanRows[b], meanNanos[b] / 1e6, calls[b]));
        }
        return out;
    }

    private boolean usable(int b, long maxCallNanos) {
        return calls[b] > 0 && meanNanos[b] <= maxCallNanos;
    }

    /** Rows per nanosecond; a call too fast to measure counts one nanosecond. */
    private double rate(int b) {
        return meanRows[b] / Math.max(1.0, meanNanos[b]);
    }

    private int bin(int rows) {
        for (int b = 0; b < sizes.length; b++) if (rows <= sizes[b]) return b;
        return sizes.length - 1;
    }
}
