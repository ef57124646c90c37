package dev.flowline.demo.report;

import org.HdrHistogram.Histogram;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Submit-to-result latencies of a run: percentiles, throughput and a text histogram.
 * Backed by HdrHistogram at 3 significant digits (values within 0.1% of the exact order statistic).
 */
public final class LatencyStats {
    private static final long MAX_MICROS = 3_600_000_000L;

    private final Histogram histogram = new Histogram(MAX_MICROS, 3);

    /** Records one latency in milliseconds (sub-millisecond precision kept). */
    public synchronized void record(double millis) {
        if (!(millis >= 0) || Double.isInfinite(millis)) throw new IllegalArgumentException("latency must be finite and >= 0, got " + millis);
        histogram.recordValue(Math.min(MAX_MICROS, Math.round(millis * 1000)));
    }

    public synchronized long count() {
        return histogram.getTotalCount();
    }

    /** The latency at the given percentile (0..100) in milliseconds; 0 when nothing was recorded. */
    public synchronized double percentileMillis(double percentile) {
        if (histogram.getTotalCount() == 0) return 0;
        return histogram.getValueAtPercentile(percentile) / 1000.0;
    }

    public synchronized double meanMillis() {
        return histogram.getTotalCount() == 0 ? 0 : histogram.getMean() / 1000.0;
    }

    public synchronized double maxMillis() {
        return histogram.getTotalCount() == 0 ? 0 : histogram.getMaxValue() / 1000.0;
    }

    /** p50, p95, p99, max, mean in milliseconds, in that order. */
    public Map<String, Double> summary() {
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("p50_ms", percentileMillis(50));
        m.put("p95_ms", percentileMillis(95));
        m.put("p99_ms", percentileMillis(99));
        m.put("max_ms", maxMillis());
        m.put("mean_ms", meanMillis());
        return m;
    }

    /** Counts per power-of-two millisecond bucket [2^k, 2^(k+1)), from the first non-empty to the last non-empty. */
    public synchronized List<Bucket> buckets() {
        List<Bucket> out = new ArrayList<>();
        if (histogram.getTotalCount() == 0) return out;
        long lo = 0, hi = 1000; // µs: first bucket [0, 1 ms)
        long max = histogram.getMaxValue();
        while (lo <= max) {
            long n = histogram.getCountBetweenValues(lo, hi - 1);
            out.add(new Bucket(lo / 1000.0, hi / 1000.0, n));
            lo = hi;
            hi *= 2;
        }
        int first = 0;
        while (first < out.size() && out.get(first).count() == 0) first++;
        return out.subList(first, out.size());
    }

    /** A text histogram, one line per bucket, bars scaled to {@code width} characters. */
    public String histogramText(int width) {
        List<Bucket> bs = buckets();
        long most = bs.stream().mapToLong(Bucket::count).max().orElse(1);
        StringBuilder sb = new StringBuilder();
        for (Bucket b : bs) {
            int bar = (int) Math.round((double) b.count() * width / Math.max(1, most));
            sb.append(String.format("%9.1f - %9.1f ms | %-" + width + "s %d%n", b.fromMillis(), b.toMillis(), "#".repeat(bar), b.count()));
        }
        return sb.toString();
    }

    public record Bucket(double fromMillis, double toMillis, long count) {}
}
