package dev.flowline.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flowline.batching.SchedulerOptions;
import dev.flowline.model.AnalyticGaussianModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

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
                "raw_by_batch", "continuous_rows_per_s", "scheduler_efficiency", "modes", "p99_ratio_continuous_vs_request", "machine");
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
    }
}
