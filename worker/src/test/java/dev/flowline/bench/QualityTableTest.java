package dev.flowline.bench;

import dev.flowline.sampling.SamplerConfig;
import dev.flowline.sampling.Solver;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class QualityTableTest {
    private static final String M = "analytic-gaussian";

    private static QualityTable fixture() throws Exception {
        return QualityTable.read(Path.of(QualityTableTest.class.getResource("/fixtures/bench-quality-small.json").toURI()));
    }

    @Test
    void looksUpAPointByModelSolverScheduleAndStepsAtTheTablesGuidance() throws Exception {
        QualityTable t = fixture();
        assertThat(t.present()).isTrue();
        assertThat(t.guidanceScale()).isEqualTo(1.0);
        assertThat(t.fd(new QualityTable.Key(M, "rk4", "uniform", 8), 1.0)).isEqualTo(20.0);
        assertThat(t.fd(new QualityTable.Key(M, "rk4", "shifted", 4), 1.0)).isEqualTo(99.0);
        assertThat(t.fd(new QualityTable.Key("analytic-flowmap", "flowmap", "uniform", 4), 1.0)).isEqualTo(5.0);
        // No point: another step count, another model, another guidance weight, an adaptive solver (no grid steps).
        assertThat(t.fd(new QualityTable.Key(M, "rk4", "uniform", 5), 1.0)).isNull();
        assertThat(t.fd(new QualityTable.Key("other", "rk4", "uniform", 8), 1.0)).isNull();
        assertThat(t.fd(new QualityTable.Key(M, "rk4", "uniform", 8), 2.0)).isNull();
        assertThat(t.fd(new QualityTable.Key(M, "dopri5", "adaptive", 0), 1.0)).isNull();
    }

    @Test
    void theMeanIsWeightedByJobsOverTheStepCountsThatRan() throws Exception {
        QualityTable.Weighted w = fixture().weighted(M, "rk4", "uniform", 1.0, Map.of(4, 1, 8, 3, 32, 0));
        assertThat(w.missing()).isEmpty();
        assertThat(w.mean()).isCloseTo((1 * 40.0 + 3 * 20.0) / 4, within(1e-12));
        assertThat(fixture().weighted(M, "rk4", "uniform", 1.0, Map.of(32, 7)).mean()).isEqualTo(10.0);
        assertThat(fixture().weighted(M, "rk4", "uniform", 1.0, Map.of()).mean()).isNull();
    }

    @Test
    void aStepCountWithoutAPointGivesNoMeanAndIsListed() throws Exception {
        QualityTable.Weighted w = fixture().weighted(M, "rk4", "uniform", 1.0, Map.of(4, 10, 5, 1, 31, 2));
        assertThat(w.mean()).isNull();
        assertThat(w.missing()).containsExactly("rk4/uniform/5", "rk4/uniform/31");
    }

    @Test
    void fdFiguresNameTheTableAndWhyNoPointAppliesAtAnotherGuidanceWeight() throws Exception {
        SamplerConfig rk4 = SamplerConfig.builder().optSolver(Solver.RK4).optSteps(32).build();
        Map<String, Object> f = SimulatedBatching.fdFigures(fixture(), M, rk4, Map.of(8, 2, 16, 2), Map.of(32, 4));
        assertThat((Double) f.get("fd_adaptive")).isCloseTo((2 * 20.0 + 2 * 12.0) / 4, within(1e-12));
        assertThat(f.get("fd_fixed")).isEqualTo(10.0);
        assertThat(f.get("fd_missing")).isEqualTo(List.of());
        assertThat((String) f.get("fd_source")).contains("bench-quality-small.json", M, "w = 1.0").doesNotContain("no point");

        SamplerConfig guided = SamplerConfig.builder().optSolver(Solver.RK4).optSteps(32).optGuidanceScale(2.0).build();
        Map<String, Object> g = SimulatedBatching.fdFigures(fixture(), M, guided, Map.of(8, 2), Map.of(32, 4));
        assertThat(g.get("fd_adaptive")).isNull();
        assertThat(g.get("fd_fixed")).isNull();
        assertThat(g.get("fd_missing")).isEqualTo(List.of("rk4/uniform/8", "rk4/uniform/32"));
        assertThat((String) g.get("fd_source")).contains("w = 2.0", "no point of the table applies");
    }

    @Test
    void withoutATableEveryFdFigureIsNullAndTheSourceSaysWhy() {
        SamplerConfig rk4 = SamplerConfig.builder().optSolver(Solver.RK4).optSteps(32).build();
        Map<String, Object> f = SimulatedBatching.fdFigures(QualityTable.none("no table here"), M, rk4, Map.of(8, 2), Map.of(32, 4));
        assertThat(f).containsEntry("fd_adaptive", null).containsEntry("fd_fixed", null).containsEntry("fd_missing", null)
                .containsEntry("fd_source", "no table here");
    }

    @Test
    void aFileThatIsNotAQualityTableIsRefused(@TempDir Path dir) throws IOException {
        Path bad = Files.writeString(dir.resolve("batching.json"), "{\"raw_by_batch\": []}");
        assertThatThrownBy(() -> QualityTable.read(bad)).isInstanceOf(IOException.class).hasMessageContaining("not a bench quality JSON");
    }
}
