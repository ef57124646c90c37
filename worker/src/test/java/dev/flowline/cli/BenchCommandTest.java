package dev.flowline.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class BenchCommandTest {

    @Test
    void solversWritesItsJsonAndPlotsIntoTheOutFolder(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("s.json");
        int code = new CommandLine(new BenchCommand()).execute("solvers", "--json", json.toString(), "--out",
                dir.resolve("plots").toString(), "--samples", "2", "--max-steps", "8");
        assertThat(code).isZero();
        assertThat(new ObjectMapper().readTree(json.toFile()).get("solvers").has("rk4")).isTrue();
        assertThat(dir.resolve("plots/solvers-error.png")).isRegularFile();
        assertThat(dir.resolve("plots/solvers-dopri5.png")).isRegularFile();
    }

    @Test
    void qualityRunsOnTheAnalyticModelWithPlotsBesideTheJson(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("q.json");
        int code = new CommandLine(new BenchCommand()).execute("quality", "--model", "analytic-gaussian", "--json",
                json.toString(), "--samples-per-point", "10", "--solvers", "euler,heun", "--schedules", "uniform,shifted",
                "--nfe", "2,8");
        assertThat(code).isZero();
        // 2 solvers × 2 schedules × 2 budgets (Heun's 2 is one step, run once for both schedules but reported for each).
        assertThat(new ObjectMapper().readTree(json.toFile()).get("points")).hasSize(8);
        assertThat(dir.resolve("quality-fd.png")).isRegularFile();
    }

    @Test
    void batchingWithRepeatKeepsEveryRunAndTheMedianBesideTheSimulatedPrediction(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("b.json");
        int code = new CommandLine(new BenchCommand()).execute("batching", "--model", "analytic-gaussian",
                "--analytic-cost-per-call-us", "50", "--analytic-cost-per-row-us", "5", "--json", json.toString(),
                "--seconds", "0.2", "--min-trace-jobs", "0", "--repeat", "3", "--loads", "0.7", "--sim-jobs", "100");
        assertThat(code).isZero();
        var root = new ObjectMapper().readTree(json.toFile());
        var repeats = root.get("repeats");
        assertThat(repeats.get("runs").asInt()).isEqualTo(3);
        assertThat(repeats.get("p99_ratio_continuous_vs_request")).hasSize(3);
        // The document is the median run's: its headline ratio is the middle of the three.
        double[] ratios = new double[3];
        for (int i = 0; i < 3; i++) ratios[i] = repeats.get("p99_ratio_continuous_vs_request").get(i).asDouble();
        java.util.Arrays.sort(ratios);
        assertThat(root.get("p99_ratio_continuous_vs_request").asDouble()).isEqualTo(ratios[1]);
        assertThat(repeats.get("median_p99_ratio_continuous_vs_request").asDouble()).isEqualTo(ratios[1]);
        assertThat(repeats.get("median_p99_ratio_by_kind").has("rk4-32")).isTrue();
        // Issue 17's contract keys beside the batching figures.
        assertThat(root.get("adaptive_steps").has("slo_attainment_adaptive")).isTrue();
        assertThat(root.get("adaptive_steps").has("slo_attainment_fixed")).isTrue();
        assertThat(root.get("adaptive_steps").get("load").asDouble()).isEqualTo(1.2);
        assertThat(root.get("dedup").get("bytes_identical").asBoolean()).isTrue();
        assertThat(root.get("dedup").get("rows_saved_fraction").asDouble()).isPositive();
        assertThat(root.get("preview_overhead_ratio").asDouble()).isPositive();
        assertThat(repeats.get("median_over_simulated").asDouble())
                .isEqualTo(ratios[1] / root.get("simulated").get("p99_ratio_continuous_vs_request").asDouble());
    }

    @Test
    void simulatedBatchingPutsTheQualityTablesFdBesideTheAdaptiveSteps(@TempDir Path dir) throws Exception {
        Path table = Path.of(BenchCommandTest.class.getResource("/fixtures/bench-quality-small.json").toURI());
        Path json = dir.resolve("b.json");
        int code = new CommandLine(new BenchCommand()).execute("batching", "--simulate", "--model", "analytic-gaussian",
                "--json", json.toString(), "--loads", "0.7", "--sim-jobs", "100", "--quality-from", table.toString());
        assertThat(code).isZero();
        var root = new ObjectMapper().readTree(json.toFile());
        var adaptive = root.get("adaptive_steps");
        assertThat(root.get("simulated").get("adaptive_steps")).isEqualTo(adaptive);
        assertThat(adaptive.get("fd_source").asText()).contains(table.toString());
        // The fixture has rk4/uniform at 4, 8, 16 and 32 steps only: the fixed count is there, the others may not be.
        var fd = new ObjectMapper().readTree(table.toFile()).get("points");
        assertThat(adaptive.get("steps_fixed").fieldNames()).toIterable().containsExactly("32");
        assertThat(adaptive.get("fd_fixed").asDouble()).isEqualTo(fd.get(3).get("fd").asDouble());
        java.util.List<String> missing = new java.util.ArrayList<>();
        adaptive.get("steps_chosen").fieldNames().forEachRemaining(s -> {
            if (!java.util.Set.of("4", "8", "16", "32").contains(s)) missing.add("rk4/uniform/" + s);
        });
        assertThat(adaptive.get("fd_missing")).hasSize(missing.size());
        for (int i = 0; i < missing.size(); i++) assertThat(adaptive.get("fd_missing").get(i).asText()).isEqualTo(missing.get(i));
        assertThat(adaptive.get("fd_adaptive").isNull()).isEqualTo(!missing.isEmpty());
    }

    @Test
    void batchingRefusesAMissingQualityTable(@TempDir Path dir) {
        int code = new CommandLine(new BenchCommand()).execute("batching", "--simulate", "--model", "analytic-gaussian", "--json",
                dir.resolve("b.json").toString(), "--quality-from", dir.resolve("none.json").toString());
        assertThat(code).isNotZero();
        assertThat(Files.exists(dir.resolve("b.json"))).isFalse();
    }

    @Test
    void batchingRefusesARepeatBelowOne(@TempDir Path dir) {
        int code = new CommandLine(new BenchCommand()).execute("batching", "--model", "analytic-gaussian", "--json",
                dir.resolve("b.json").toString(), "--seconds", "0.1", "--repeat", "0");
        assertThat(code).isNotZero();
        assertThat(Files.exists(dir.resolve("b.json"))).isFalse();
    }

    @Test
    void withoutASubcommandItPrintsUsageAndFails() {
        assertThat(new CommandLine(new BenchCommand()).execute()).isEqualTo(2);
    }

    @Test
    void anUnknownModelFailsNamingTheKnownOnes(@TempDir Path dir) {
        var err = new java.io.StringWriter();
        CommandLine cmd = new CommandLine(new BenchCommand());
        cmd.setErr(new java.io.PrintWriter(err));
        int code = cmd.execute("batching", "--model", "no-such-model", "--json", dir.resolve("b.json").toString(), "--seconds", "0.1");
        assertThat(code).isNotZero();
        assertThat(Files.exists(dir.resolve("b.json"))).isFalse();
    }
}
