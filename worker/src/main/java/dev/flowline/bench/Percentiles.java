package dev.flowline.bench;

import java.util.Arrays;

/**
 * Order statistics of a set of measurements, by the nearest-rank rule: the p-th percentile of n sorted values is the
 * value at rank {@code ceil(p/100 · n)} (1-based), so it is always one of the measurements and p100 is the maximum.
 * Immutable; the values are copied and sorted once.
 */
public final class Percentiles {
    private final double[] sorted;

    private Percentiles(double[] sorted) {
        this.sorted = sorted;
    }

    /** The percentiles of {@code values} (not modified); NaN values are refused. */
    public static Percentiles of(double[] values) {
        double[] s = values.clone();
        for (double v : s) {
            if (Double.isNaN(v)) throw new IllegalArgumentException("a measurement is NaN");
        }
        Arrays.sort(s);
        return new Percentiles(s);
    }

    public int count() {
        return sorted.length;
    }

    /**
     * The p-th percentile, p in [0, 100]; p = 0 gives the minimum. NaN when there are no values (a mode that finished
     * nothing has no latency).
     */
    public double percentile(double p) {
        if (!(p >= 0 && p <= 100)) throw new IllegalArgumentException("percentile must be in [0, 100], got " + p);
        if (sorted.length == 0) return Double.NaN;
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.clamp(rank - 1, 0, sorted.length - 1)];
    }

    public double mean() {
        if (sorted.length == 0) return Double.NaN;
        double sum = 0;
        for (double v : sorted) sum += v;
        return sum / sorted.length;
    }

    public double max() {
        return sorted.length == 0 ? Double.NaN : sorted[sorted.length - 1];
    }
}
