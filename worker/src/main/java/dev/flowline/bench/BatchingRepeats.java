package dev.flowline.bench;

import dev.flowline.batching.BatchingMode;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Several wall-clock runs of {@code bench batching} side by side, since one run on a busy machine can be off by 2-5×:
 * the median run (by the overall p99 ratio) stands for them all, every run's headline ratios are kept, and the median
 * is set against the simulated device's prediction for the same mix and load.
 */
public final class BatchingRepeats {
    private BatchingRepeats() {}

    /** The run whose overall p99 ratio is the median (the lower middle one for an even count). */
    public static BatchingReport median(List<BatchingReport> runs) {
        if (runs.isEmpty()) throw new IllegalArgumentException("no runs");
        List<BatchingReport> sorted = new ArrayList<>(runs);
        sorted.sort(Comparator.comparingDouble(BatchingReport::p99RatioContinuousVsRequest));
        return sorted.get((sorted.size() - 1) / 2);
    }

    /**
     * The {@code repeats} block: each run's overall and per-kind p99 ratios and scheduler efficiency, their medians,
     * and the median overall ratio over the simulated one ({@code simulated} may be null or empty: then no comparison).
     */
    public static Map<String, Object> json(List<BatchingReport> runs, Map<String, Object> simulated) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("runs", runs.size());
        double[] ratios = runs.stream().mapToDouble(BatchingReport::p99RatioContinuousVsRequest).toArray();
        double[] efficiency = runs.stream().mapToDouble(BatchingReport::schedulerEfficiency).toArray();
        out.put("p99_ratio_continuous_vs_request", Arrays.stream(ratios).boxed().toList());
        out.put("median_p99_ratio_continuous_vs_request", median(ratios));
        Map<String, Object> byKind = new LinkedHashMap<>();
        Map<String, List<Double>> kinds = new LinkedHashMap<>();
        for (BatchingReport r : runs) {
            OpenLoop.ModeResult c = r.modes().get(BatchingMode.CONTINUOUS), q = r.modes().get(BatchingMode.REQUEST);
            if (c == null || q == null) continue;
            SimulatedBatching.ratioByKind(c, q).forEach((kind, v) -> kinds.computeIfAbsent(kind, x -> new ArrayList<>()).add((Double) v));
        }
        kinds.forEach((kind, v) -> byKind.put(kind, median(v.stream().mapToDouble(Double::doubleValue).toArray())));
        out.put("median_p99_ratio_by_kind", byKind);
        out.put("scheduler_efficiency", Arrays.stream(efficiency).boxed().toList());
        out.put("median_scheduler_efficiency", median(efficiency));
        Object predicted = simulated == null ? null : simulated.get("p99_ratio_continuous_vs_request");
        if (predicted instanceof Double p) {
            out.put("simulated_p99_ratio_continuous_vs_request", p);
            out.put("median_over_simulated", median(ratios) / p);
        }
        return out;
    }

    static double median(double[] values) {
        double[] s = values.clone();
        Arrays.sort(s);
        int n = s.length;
        return n == 0 ? Double.NaN : n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }
}
