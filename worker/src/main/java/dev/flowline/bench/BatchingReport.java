package dev.flowline.bench;

import dev.flowline.batching.BatchingMode;
import org.knowm.xchart.style.Styler;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The batching benchmark's figures, as JSON, plots and a short summary. */
public record BatchingReport(String model, BatchingBench.Options options, RawThroughput.Result raw,
                             Map<Integer, RawThroughput.Result> rawByBatch, ClosedLoop.Result closedLoop,
                             ArrivalTrace trace, Map<BatchingMode, OpenLoop.ModeResult> modes, double previewOverheadRatio) {

    /** The top-level keys of {@link #toJson}, exactly. */
    public static final List<String> TOP_LEVEL_KEYS = List.of("raw_rows_per_s", "raw_by_batch", "continuous_rows_per_s",
            "scheduler_efficiency", "modes", "p99_ratio_continuous_vs_request", "p99_ratio_by_kind", "slo_attainment",
            "policy", "simulated", "machine");

    public double schedulerEfficiency() {
        return closedLoop.rowsPerSecond() / raw.rowsPerSecond();
    }

    /** p99 latency of CONTINUOUS over that of REQUEST (below 1: step-level batching is better), NaN if one is missing. */
    public double p99RatioContinuousVsRequest() {
        OpenLoop.ModeResult c = modes.get(BatchingMode.CONTINUOUS), r = modes.get(BatchingMode.REQUEST);
        return c == null || r == null ? Double.NaN : c.p99Ms() / r.p99Ms();
    }

    /**
     * The JSON document, with exactly {@link #TOP_LEVEL_KEYS}. Run parameters sit inside the entries they apply to:
     * each mode carries the arrival rate, load fraction and jobs offered; {@code machine} also names the model, the
     * maximum batch, the closed loop's mean batch and the phase length.
     */
    public Map<String, Object> toJson(Map<String, Object> machine) {
        return toJson(machine, null);
    }

    /** {@code simulated}: the same figures from the simulated device ({@link SimulatedBatching}), null when not run. */
    public Map<String, Object> toJson(Map<String, Object> machine, Map<String, Object> simulated) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("raw_rows_per_s", raw.rowsPerSecond());
        Map<String, Object> byBatch = new LinkedHashMap<>();
        rawByBatch.forEach((b, r) -> {
            Map<String, Object> point = new LinkedHashMap<>();
            point.put("rows_per_s", r.rowsPerSecond());
            point.put("ms_per_call", r.msPerCall());
            byBatch.put(String.valueOf(b), point);
        });
        json.put("raw_by_batch", byBatch);
        json.put("continuous_rows_per_s", closedLoop.rowsPerSecond());
        json.put("scheduler_efficiency", schedulerEfficiency());
        Map<String, Object> modeJson = new LinkedHashMap<>();
        modes.forEach((mode, m) -> modeJson.put(mode.name().toLowerCase(), modeJson(m)));
        json.put("modes", modeJson);
        json.put("p99_ratio_continuous_vs_request", p99RatioContinuousVsRequest());
        OpenLoop.ModeResult c = modes.get(BatchingMode.CONTINUOUS), r = modes.get(BatchingMode.REQUEST);
        json.put("p99_ratio_by_kind", c == null || r == null ? Map.of() : SimulatedBatching.ratioByKind(c, r));
        Map<String, Object> slo = new LinkedHashMap<>();
        modes.forEach((mode, m) -> slo.put(mode.name().toLowerCase(), Map.of(String.valueOf(options.loadFraction()), m.sloAttainment())));
        json.put("slo_attainment", slo);
        json.put("policy", options.scheduler().policy().name());
        json.put("simulated", simulated == null ? Map.of() : simulated);
        Map<String, Object> machineJson = new LinkedHashMap<>(machine);
        machineJson.put("model", model);
        machineJson.put("max_batch_rows", options.scheduler().maxBatchRows());
        machineJson.put("closed_loop_mean_batch_rows", closedLoop.meanBatchRows());
        machineJson.put("phase_seconds", options.seconds());
        machineJson.put("trace_seconds", trace.durationSeconds());
        json.put("machine", machineJson);
        return json;
    }

    private Map<String, Object> modeJson(OpenLoop.ModeResult m) {
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("p50_ms", m.p50Ms());
        j.put("p99_ms", m.p99Ms());
        j.put("jobs_per_s", m.jobsPerSecond());
        j.put("mean_batch_rows", m.meanBatchRows());
        j.put("unfinished", m.unfinished());
        j.put("latency_percentiles_are_lower_bounds", m.latencyCensored());
        j.put("offered", m.offered());
        j.put("completed", m.completed());
        j.put("failed", m.failed());
        j.put("mean_ms", m.meanMs());
        j.put("max_ms", m.maxMs());
        j.put("mean_queued_ms", m.meanQueuedMs());
        j.put("mean_sampling_ms", m.meanSamplingMs());
        j.put("model_calls", m.modelCalls());
        j.put("run_s", m.runSeconds());
        Map<String, Object> kinds = new LinkedHashMap<>();
        for (OpenLoop.KindLatency k : m.byKind()) {
            Map<String, Object> kj = new LinkedHashMap<>();
            kj.put("jobs", k.jobs());
            kj.put("p50_ms", k.p50Ms());
            kj.put("p99_ms", k.p99Ms());
            kj.put("mean_ms", k.meanMs());
            kinds.put(k.kind(), kj);
        }
        j.put("by_kind", kinds);
        j.put("arrival_rate_jobs_per_s", trace.ratePerSecond());
        j.put("load_fraction", options.loadFraction());
        j.put("slo_attainment", m.sloAttainment());
        return j;
    }

    /** Writes {@code batching-latency.png} and {@code batching-throughput.png} into {@code dir}. */
    public List<Path> writePlots(Path dir) throws IOException {
        List<String> names = new ArrayList<>();
        List<Double> p50 = new ArrayList<>(), p99 = new ArrayList<>();
        modes.forEach((mode, m) -> {
            names.add(mode.name().toLowerCase() + (m.unfinished() > 0 ? " (" + m.unfinished() + " unfinished)" : ""));
            p50.add(Math.max(m.p50Ms(), 1e-3));
            p99.add(Math.max(m.p99Ms(), 1e-3));
        });
        Path latency = Charts.bars(dir.resolve("batching-latency.png"),
                String.format("Job latency, Poisson arrivals at %.0f%% of capacity (%.1f jobs/s)", 100 * options.loadFraction(), trace.ratePerSecond()),
                "batching mode", "latency (ms, log)", true, names,
                List.of(new Charts.Bars("p50", p50), new Charts.Bars("p99", p99)));

        List<Integer> sizes = new ArrayList<>(rawByBatch.keySet());
        List<Double> rates = new ArrayList<>();
        rawByBatch.values().forEach(r -> rates.add(r.rowsPerSecond()));
        int maxRows = options.scheduler().maxBatchRows();
        int lo = Math.min(1, sizes.isEmpty() ? 1 : sizes.getFirst());
        int hi = Math.max(maxRows, sizes.isEmpty() ? maxRows : sizes.getLast());
        Path throughput = Charts.line(dir.resolve("batching-throughput.png"), "Model rows per second against batch size",
                "rows per model call (log)", "rows / s", true, false, Styler.LegendPosition.InsideSE, List.of(
                        new Charts.Series("model alone", sizes, rates),
                        new Charts.Series("raw limit (" + maxRows + " rows)", List.of(lo, hi), List.of(raw.rowsPerSecond(), raw.rowsPerSecond())),
                        new Charts.Series("scheduler, continuous, saturated", List.of(Math.max(1.0, closedLoop.meanBatchRows())),
                                List.of(closedLoop.rowsPerSecond()))));
        return List.of(latency, throughput);
    }

    /** A few lines for a human. */
    public String summary() {
        StringBuilder s = new StringBuilder();
        s.append(String.format("model %s, max batch %d rows%n", model, options.scheduler().maxBatchRows()));
        s.append(String.format("raw limit            %10.0f rows/s%n", raw.rowsPerSecond()));
        s.append(String.format("continuous saturated %10.0f rows/s  (scheduler efficiency %.3f)%n", closedLoop.rowsPerSecond(), schedulerEfficiency()));
        s.append(String.format("open loop: %d jobs at %.1f jobs/s (%.0f%% of capacity)%n", trace.size(), trace.ratePerSecond(), 100 * options.loadFraction()));
        modes.forEach((mode, m) -> {
            s.append(String.format("  %-10s p50 %9.1f ms  p99 %9.1f ms  %7.1f jobs/s  %5.1f rows/call  unfinished %d%n",
                    mode.name().toLowerCase(), m.p50Ms(), m.p99Ms(), m.jobsPerSecond(), m.meanBatchRows(), m.unfinished()));
            StringBuilder kinds = new StringBuilder("             p99 by kind:");
            for (OpenLoop.KindLatency k : m.byKind()) kinds.append(String.format("  %s %.1f ms", k.kind(), k.p99Ms()));
            s.append(kinds).append(System.lineSeparator());
        });
        s.append(String.format("p99 continuous / request = %.3f%n", p99RatioContinuousVsRequest()));
        return s.toString();
    }
}
