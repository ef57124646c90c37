package dev.flowline.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flowline.batching.SchedulerOptions;
import dev.flowline.model.AnalyticGaussianModel;
import dev.flowline.model.DeviceMode;
import dev.flowline.model.ModelRegistry;
import dev.flowline.model.ModelRegistryOptions;
import dev.flowline.model.ModelRuntimeOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** A whole, tiny batching run through the real scheduler on the analytic model (short phases; nothing timed). */
class BatchingBenchTest {

    @Test
    void aTinyRunOnTheAnalyticModelWritesExactlyTheRequiredKeys(@TempDir Path dir) throws Exception {
        BatchingBench.Options o = new BatchingBench.Options(0.2, 0.05, 0.3, 0.7, 0, 5,
                SchedulerOptions.defaults().withMaxBatchRows(16), WorkloadMix.DEFAULT, List.of(1, 2, 4));
        BatchingReport report;
        try (AnalyticGaussianModel model = AnalyticGaussianModel.builder().optCostPerCallMicros(50).optCostPerRowMicros(5).build()) {
            report = BatchingBench.run(model, o, SchedulerFactory.DEFAULT, new PrintStream(OutputStream.nullOutputStream()));
        }
        Path file = dir.resolve("batching.json");
        BenchJson.write(file, report.toJson(MachineInfo.describe("none", "cpu")));
        JsonNode json = new ObjectMapper().readTree(file.toFile());

        List<String> keys = new ArrayList<>();
        json.fieldNames().forEachRemaining(keys::add);
        assertThat(keys).containsExactlyElementsOf(BatchingReport.TOP_LEVEL_KEYS).containsExactly("raw_rows_per_s",
                "raw_by_batch", "continuous_rows_per_s", "scheduler_efficiency", "modes", "p99_ratio_continuous_vs_request",
                "p99_ratio_by_kind", "slo_attainment", "policy", "simulated", "machine");
        List<String> modes = new ArrayList<>();
        json.get("modes").fieldNames().forEachRemaining(modes::add);
        assertThat(modes).containsExactly("continuous", "request", "none");
        for (String mode : modes) {
            JsonNode m = json.get("modes").get(mode);
            for (String k : List.of("p50_ms", "p99_ms", "jobs_per_s", "mean_batch_rows", "unfinished", "by_kind")) assertThat(m.has(k)).as(mode + "." + k).isTrue();
            assertThat(m.get("by_kind").has("heun-8-cfg2")).isTrue();
            assertThat(m.get("completed").asInt() + m.get("failed").asInt() + m.get("unfinished").asInt()).isEqualTo(m.get("offered").asInt());
        }
        assertThat(json.get("raw_by_batch").has("4")).isTrue();
        assertThat(json.get("machine").get("cores").asInt()).isPositive();
        assertThat(report.writePlots(dir)).allMatch(Files::isRegularFile);
        assertThat(json.get("policy").asText()).isEqualTo("LEAST_SLACK_FIRST");
        assertThat(json.get("p99_ratio_by_kind").has("rk4-32")).isTrue();
    }

    @Test
    void theSimulatedSweepIsExactlyRepeatableAndWritesTheContractKeys(@TempDir Path dir) throws Exception {
        SimulatedBatching.Options o = new SimulatedBatching.Options(List.of(0.5, 0.9), 0.7, 200, 3,
                SchedulerOptions.defaults(), WorkloadMix.DEFAULT, List.of(dev.flowline.batching.OrderingPolicy.values()));
        var cost = dev.flowline.batching.SimulatedDevice.CostModel.linear(3_000_000, 30_000);
        var info = AnalyticGaussianModel.builder().build().info();
        PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
        var first = SimulatedBatching.run(info, cost, "test", o, dir, quiet);
        var second = SimulatedBatching.run(info, cost, "test", o, null, quiet);

        assertThat(first).containsKeys("scheduler_efficiency", "p99_ratio_continuous_vs_request", "p99_ratio_by_kind",
                "slo_attainment", "policy", "modes", "sweep", "learned_cost_curve");
        assertThat(first.get("p99_ratio_continuous_vs_request")).isEqualTo(second.get("p99_ratio_continuous_vs_request"));
        assertThat(first.get("sweep")).isEqualTo(second.get("sweep"));
        assertThat(((java.util.Map<?, ?>) first.get("slo_attainment")).keySet()).extracting(Object::toString).contains("continuous", "request", "none");
        assertThat(Path.of((String) first.get("plots"))).isRegularFile();

        // Identical jobs: a third of the trace repeats a recent job; computed once, the same bytes as computed apart.
        @SuppressWarnings("unchecked")
        var dedup = (java.util.Map<String, Object>) first.get("dedup");
        assertThat((Integer) dedup.get("repeated_jobs")).isPositive();
        assertThat((Double) dedup.get("rows_saved_fraction")).isGreaterThan(0.05).isLessThan(1.0);
        assertThat((Long) dedup.get("rows_with_dedup")).isLessThan((Long) dedup.get("rows_without_dedup"));
        assertThat(dedup.get("bytes_identical")).isEqualTo(true);
        assertThat(dedup).isEqualTo(second.get("dedup"));
    }

    @Test
    @SuppressWarnings("unchecked")
    void pastCapacityAdaptiveStepCountsKeepTheRangedJobsWithinTheirTargetWhereFixedCountsCannot() throws Exception {
        // A CPU-like device (a row costs the same batched or not) at 1.2 of its capacity: the fixed counts' queue grows
        // without bound, the ranged kind's counts shrink until the load fits.
        var cpuLike = dev.flowline.batching.SimulatedDevice.CostModel.linear(20_000, 1_000_000);
        SimulatedBatching.Options o = new SimulatedBatching.Options(List.of(0.7), 0.7, 400, 5, SchedulerOptions.defaults(),
                WorkloadMix.DEFAULT, List.of(dev.flowline.batching.OrderingPolicy.LEAST_SLACK_FIRST));
        var info = AnalyticGaussianModel.builder().build().info();
        // A quality table with a point for every rk4 count but 31 (unguided, as the ranged kind runs): FD 100 / steps.
        java.util.Map<QualityTable.Key, Double> points = new java.util.HashMap<>();
        for (int steps = 1; steps <= 32; steps++) {
            if (steps != 31) points.put(new QualityTable.Key(info.name(), "rk4", "uniform", steps), 100.0 / steps);
        }
        o = o.withQuality(QualityTable.of("test table", info.name(), 1.0, 10, points));
        var json = SimulatedBatching.run(info, cpuLike, "cpu-like", o, null, new PrintStream(OutputStream.nullOutputStream()));

        var adaptive = (java.util.Map<String, Object>) json.get("adaptive_steps");
        assertThat(adaptive).containsKeys("slo_attainment_adaptive", "slo_attainment_fixed", "load", "steps_chosen");
        assertThat((Double) adaptive.get("load")).isEqualTo(1.2);
        assertThat(adaptive.get("ranged_kind")).isEqualTo("rk4-32");
        assertThat((Double) adaptive.get("slo_attainment_adaptive")).isGreaterThanOrEqualTo(0.95);
        assertThat((Double) adaptive.get("slo_attainment_fixed")).isLessThan(0.5);
        // The scheduler chose: fewer steps than the most for at least some jobs, never fewer than the least.
        var chosen = (java.util.Map<String, Integer>) adaptive.get("steps_chosen");
        assertThat(chosen.keySet()).allSatisfy(k -> assertThat(Integer.parseInt(k)).isBetween(4, 32));
        assertThat(chosen.keySet()).anySatisfy(k -> assertThat(Integer.parseInt(k)).isLessThan(32));
        // Fixed: every ranged job at 32 steps. Their FD beside them, from the table: the adaptive jobs' weighted by job.
        var fixed = (java.util.Map<String, Integer>) adaptive.get("steps_fixed");
        assertThat(fixed.keySet()).containsExactly("32");
        assertThat(fixed.get("32")).isPositive();
        assertThat(adaptive.get("fd_fixed")).isEqualTo(100.0 / 32);
        assertThat((String) adaptive.get("fd_source")).startsWith("test table");
        if (chosen.containsKey("31")) {
            assertThat(adaptive.get("fd_adaptive")).isNull();
            assertThat(adaptive.get("fd_missing")).isEqualTo(List.of("rk4/uniform/31"));
        } else {
            double sum = 0;
            int jobs = 0;
            for (var e : chosen.entrySet()) {
                sum += e.getValue() * 100.0 / Integer.parseInt(e.getKey());
                jobs += e.getValue();
            }
            assertThat((Double) adaptive.get("fd_adaptive")).isCloseTo(sum / jobs, org.assertj.core.api.Assertions.within(1e-9))
                    .isGreaterThan(100.0 / 32);
            assertThat(adaptive.get("fd_missing")).isEqualTo(List.of());
        }
    }

    @Test
    void thePreviewPhaseEncodesPreviewsOfTheJobsThatAskForThem() throws Exception {
        // 28x28 analytic samples are images: previews are real PNGs, encoded in the listener as the Kafka edge would.
        try (AnalyticGaussianModel model = AnalyticGaussianModel.builder().optSampleShape(1, 28, 28).optNumClasses(10)
                .optCostPerCallMicros(50).optCostPerRowMicros(5).build()) {
            ClosedLoop.Result with = ClosedLoop.run(model, SchedulerOptions.defaults().withMaxBatchRows(16), WorkloadMix.DEFAULT,
                    0.05, 0.3, 7, SchedulerFactory.DEFAULT, 1.0);
            ClosedLoop.Result without = ClosedLoop.run(model, SchedulerOptions.defaults().withMaxBatchRows(16), WorkloadMix.DEFAULT,
                    0.05, 0.3, 7, SchedulerFactory.DEFAULT, 0.0);
            assertThat(with.previewPngs()).isPositive();
            assertThat(without.previewPngs()).isZero();
            assertThat(with.rowsPerSecond()).isPositive();
        }
    }

    @Test
    void aLatentModelsRunDecodesItsJobsCountsDecodeCallsApartAndComparesWithTheBaseline(@TempDir Path dir) throws Exception {
        // tiny-latent (1x4x4 latent, ONNX decoder to 1x8x8) beside the tiny pixel model, as `bench batching --model
        // fashion-mnist-latent --baseline-model fashion-mnist` runs them; short phases, no figure judged by its value.
        BatchingBench.Options o = new BatchingBench.Options(0.2, 0.05, 0.5, 0.7, 0, 5,
                SchedulerOptions.defaults().withMaxBatchRows(16), WorkloadMix.DEFAULT, List.of(1, 4));
        BatchingReport report;
        try (ModelRegistry registry = new ModelRegistry(new ModelRegistryOptions(List.of(fixture("tiny-latent"), fixture("tiny")),
                false, new ModelRuntimeOptions(DeviceMode.CPU, 1, 1), Map.of(), dir.resolve("cache")))) {
            BatchingBench.Extras extras = new BatchingBench.Extras(registry.decoder("tiny-latent").orElseThrow(), registry.get("tiny"));
            report = BatchingBench.run(registry.get("tiny-latent"), extras, o, SchedulerFactory.DEFAULT,
                    new PrintStream(OutputStream.nullOutputStream()));
        }
        assertThat(report.closedLoop().decodeCalls()).as("the closed loop's jobs were decoded").isPositive();
        assertThat(report.closedLoop().meanDecodeRows()).isGreaterThanOrEqualTo(1.0);
        assertThat(report.closedLoop().decodeShare()).isBetween(0.0, 1.0);
        assertThat(report.closedLoop().jobsPerSecond()).isPositive();
        OpenLoop.ModeResult continuous = report.modes().get(dev.flowline.batching.BatchingMode.CONTINUOUS);
        assertThat(continuous.completed()).isPositive();
        // one latent per job (the mix's jobs have one sample), and every decode call ends at least one job
        assertThat(continuous.decodeCalls()).isBetween(1L, (long) continuous.completed() + continuous.failed());
        assertThat(continuous.meanBatchRows()).as("velocity rows only").isPositive();

        Path file = dir.resolve("latent.json");
        BenchJson.write(file, report.toJson(MachineInfo.describe("none", "cpu")));
        JsonNode json = new ObjectMapper().readTree(file.toFile());
        List<String> keys = new ArrayList<>();
        json.fieldNames().forEachRemaining(keys::add);
        List<String> expected = new ArrayList<>(BatchingReport.TOP_LEVEL_KEYS);
        expected.addAll(BatchingReport.EXTRA_KEYS);
        assertThat(keys).containsExactlyElementsOf(expected);
        JsonNode decode = json.get("decode");
        assertThat(decode.get("raw_decode_by_batch").get("4").get("rows_per_s").asDouble()).isPositive();
        assertThat(decode.get("decoder_output_shape").toString()).isEqualTo("[1,8,8]");
        assertThat(decode.get("closed_loop").get("decode_calls").asLong()).isEqualTo(report.closedLoop().decodeCalls());
        assertThat(decode.get("modes").get("continuous").get("decode_calls").asLong()).isEqualTo(continuous.decodeCalls());
        JsonNode baseline = json.get("baseline");
        assertThat(baseline.get("model").asText()).isEqualTo("tiny");
        assertThat(baseline.get("row_cost_ratio").asDouble()).isPositive();
        assertThat(baseline.get("job_throughput_ratio").asDouble()).isPositive();
        assertThat(report.summary()).contains("decode (closed loop)").contains("against tiny");
    }

    private static Path fixture(String name) throws Exception {
        return Path.of(BatchingBenchTest.class.getResource("/fixtures/" + name).toURI());
    }
}
