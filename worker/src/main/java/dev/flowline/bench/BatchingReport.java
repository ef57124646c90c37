package dev.flowline.bench;

import dev.flowline.batching.BatchingMode;
import dev.flowline.model.PipelineStage;
import org.knowm.xchart.style.Styler;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The batching benchmark's figures, as JSON, plots and a short summary. {@code extra}: a latent model's decode
 * figures and a baseline model's, null when neither was measured.
 */
public record BatchingReport(String model, BatchingBench.Options options, RawThroughput.Result raw,
                             Map<Integer, RawThroughput.Result> rawByBatch, ClosedLoop.Result closedLoop,
                             ArrivalTrace trace, Map<BatchingMode, OpenLoop.ModeResult> modes, double previewOverheadRatio,
                             ExtraFigures extra) {

    /**
     * What {@link BatchingBench.Extras} added to a run.
     *
     * @param decoder        the latent model's decoder stage (null for a pixel model)
     * @param decodeByBatch  the decoder alone per batch size (empty without a decoder)
     * @param baselineModel  the model measured side by side (null when none)
     * @param baselineRaw    that model alone at the maximum batch
     * @param baselineClosed that model's closed loop on the same mix
     * @param jobsPerSecond  this model's saturated job throughput: its closed loop's velocity rows per second (the
     *                       device's time in decode calls already taken out) over the mix's rows per job
     * @param baselineJobsPerSecond the same for the baseline (NaN without one)
     */
    public record ExtraFigures(PipelineStage decoder, Map<Integer, RawThroughput.Result> decodeByBatch, String baselineModel,
                               RawThroughput.Result baselineRaw, ClosedLoop.Result baselineClosed, double jobsPerSecond,
                               double baselineJobsPerSecond) {
    }

    /** A run without extras. */
    public BatchingReport(String model, BatchingBench.Options options, RawThroughput.Result raw,
                          Map<Integer, RawThroughput.Result> rawByBatch, ClosedLoop.Result closedLoop, ArrivalTrace trace,
                          Map<BatchingMode, OpenLoop.ModeResult> modes, double previewOverheadRatio) {
        this(model, options, raw, rawByBatch, closedLoop, trace, modes, previewOverheadRatio, null);
    }

    /** The top-level keys of {@link #toJson} for a run without extras, exactly; {@link #EXTRA_KEYS} join them otherwise. */
    public static final List<String> TOP_LEVEL_KEYS = List.of("raw_rows_per_s", "raw_by_batch", "continuous_rows_per_s",
            "scheduler_efficiency", "modes", "p99_ratio_continuous_vs_request", "p99_ratio_by_kind", "slo_attainment",
            "policy", "simulated", "machine");

    /** Keys {@link #toJson} adds after the others: {@code decode} for a latent model, {@code baseline} when one was measured. */
    public static final List<String> EXTRA_KEYS = List.of("decode", "baseline");

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
        json.put("raw_by_batch", byBatchJson(rawByBatch));
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
        if (extra != null && extra.decoder() != null) json.put("decode", decodeJson());
        if (extra != null && extra.baselineModel() != null) json.put("baseline", baselineJson());
        return json;
    }

    /**
     * A latent model's decode stage in this run: the decoder alone per batch size; in the closed loop its calls,
     * latents per call and share of the device's busy time; per open-loop mode its calls and latents per call. The
     * velocity figures above count velocity rows only. The simulated device costs velocity calls only.
     */
    private Map<String, Object> decodeJson() {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("decoder_input_shape", extra.decoder().inputShape());
        d.put("decoder_output_shape", extra.decoder().outputShape());
        d.put("raw_decode_by_batch", byBatchJson(extra.decodeByBatch()));
        Map<String, Object> closed = new LinkedHashMap<>();
        closed.put("decode_calls", closedLoop.decodeCalls());
        closed.put("mean_latents_per_call", closedLoop.meanDecodeRows());
        closed.put("decode_share_of_device_time", closedLoop.decodeShare());
        closed.put("jobs_per_s", extra.jobsPerSecond());
        closed.put("jobs_ended_per_s", closedLoop.jobsPerSecond());
        d.put("closed_loop", closed);
        Map<String, Object> byMode = new LinkedHashMap<>();
        modes.forEach((mode, m) -> {
            Map<String, Object> j = new LinkedHashMap<>();
            j.put("decode_calls", m.decodeCalls());
            j.put("mean_latents_per_call", m.meanDecodeRows());
            j.put("jobs_offered", m.offered());
            byMode.put(mode.name().toLowerCase(), j);
        });
        d.put("modes", byMode);
        d.put("simulated", "velocity calls only");
        return d;
    }

    /**
     * The baseline measured beside the model: {@code row_cost_ratio} is its cost per row over this model's (both alone
     * at the maximum batch: above 1, this model's rows are that much cheaper), {@code job_throughput_ratio} this
     * model's saturated jobs per second over the baseline's in the closed loop of the same mix (a latent model's decode
     * included: its decode calls take device time from its velocity rows). Jobs per second are velocity rows per
     * second over the mix's rows per job, steadier than the jobs that happen to end in a short window.
     */
    private Map<String, Object> baselineJson() {
        Map<String, Object> b = new LinkedHashMap<>();
        b.put("model", extra.baselineModel());
        b.put("raw_rows_per_s", extra.baselineRaw().rowsPerSecond());
        b.put("row_cost_ratio", raw.rowsPerSecond() / extra.baselineRaw().rowsPerSecond());
        b.put("closed_loop_rows_per_s", extra.baselineClosed().rowsPerSecond());
        b.put("closed_loop_jobs_per_s", extra.baselineJobsPerSecond());
        b.put("model_closed_loop_jobs_per_s", extra.jobsPerSecond());
        b.put("job_throughput_ratio", extra.jobsPerSecond() / extra.baselineJobsPerSecond());
        return b;
    }

    private static Map<String, Object> byBatchJson(Map<Integer, RawThroughput.Result> byBatch) {
        Map<String, Object> out = new LinkedHashMap<>();
        byBatch.forEach((b, r) -> {
            Map<String, Object> point = new LinkedHashMap<>();
            point.put("rows_per_s", r.rowsPerSecond());
            point.put("ms_per_call", r.msPerCall());
            out.put(String.valueOf(b), point);
        });
        return out;
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
        if (extra != null && extra.decoder() != null) {
            s.append(String.format("decode (closed loop): %d calls, %.1f latents/call, %.1f%% of the device's busy time, %.1f jobs/s%n",
                    closedLoop.decodeCalls(), closedLoop.meanDecodeRows(), 100 * closedLoop.decodeShare(), extra.jobsPerSecond()));
        }
        if (extra != null && extra.baselineModel() != null) {
            s.append(String.format("against %s: rows %.2fx cheaper alone (%.0f vs %.0f rows/s), jobs %.2fx faster through the scheduler (%.1f vs %.1f jobs/s)%n",
                    extra.baselineModel(), raw.rowsPerSecond() / extra.baselineRaw().rowsPerSecond(), raw.rowsPerSecond(),
                    extra.baselineRaw().rowsPerSecond(), extra.jobsPerSecond() / extra.baselineJobsPerSecond(),
                    extra.jobsPerSecond(), extra.baselineJobsPerSecond()));
        }
        return s.toString();
    }
}
