package dev.flowline.bench;

import dev.flowline.model.AnalyticGaussianModel;
import dev.flowline.sampling.Solver;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class QualityBenchTest {
    private static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());

    @Test
    void sweepsEverySolverScheduleAndReachableBudgetAgainstTheReference(@TempDir Path dir) throws Exception {
        AnalyticGaussianModel model = AnalyticGaussianModel.builder().build();
        QualityBench.Options o = QualityBench.Options.defaults(40, 1.0).withClamp(false).withBoss(4)
                .withSweep(List.of(Solver.EULER, Solver.HEUN, Solver.DOPRI5), QualityBench.SCHEDULES, List.of(1, 2, 8));
        QualityReport report = QualityBench.run(model, new AnalyticClassifier(model), AnalyticClassifier.referenceStats(model), o, QUIET);

        List<String> points = new ArrayList<>();
        for (QualityBench.Point p : report.points()) points.add(p.solver().id() + "/" + p.schedule() + "/" + p.targetNfe());
        // Heun costs two evaluations a step: no 1-evaluation point; dopri5 reports every budget with what it achieved.
        assertThat(points).containsExactly(
                "euler/uniform/1", "euler/uniform/2", "euler/uniform/8",
                "euler/shifted/1", "euler/shifted/2", "euler/shifted/8",
                "euler/optimised/1", "euler/optimised/2", "euler/optimised/8",
                "heun/uniform/2", "heun/uniform/8", "heun/shifted/2", "heun/shifted/8", "heun/optimised/2", "heun/optimised/8",
                "dopri5/adaptive/1", "dopri5/adaptive/2", "dopri5/adaptive/8");
        for (QualityBench.Point p : report.points()) {
            assertThat(p.fd()).isFinite().isNotNegative();
            if (p.steps() > 0) assertThat(p.nfe()).isEqualTo(p.targetNfe());
            else assertThat(p.nfe()).isGreaterThanOrEqualTo(7.0); // one Dormand–Prince step at the least
        }
        assertThat(report.bossGrids()).containsKeys(1, 2, 4, 8);
        // The classes overlap, so even data is not always nearest its own mean; chance would be 0.1. The reference sits
        // far closer to the data than two Euler steps.
        assertThat(report.reference().accuracy()).isGreaterThan(0.6);
        QualityBench.Point euler2 = report.points().get(1);
        assertThat(report.reference().fd()).isLessThan(euler2.fd());
        assertThat(report.bestAtKeyNfe().targetNfe()).isEqualTo(8);
        assertThat(report.bestFdAtKeyNfeOverReferenceFd()).isFinite();

        Map<String, Object> json = report.toJson(MachineInfo.describe("none", "cpu"));
        assertThat(json).containsKeys("reference", "points", "best_fd_at_8_nfe_over_reference_fd", "boss", "machine");
        BenchJson.write(dir.resolve("quality.json"), json);
        assertThat(report.writePlots(dir)).allMatch(Files::isRegularFile);
    }

    @Test
    void theOnnxClassifierReturnsLogitsAndFeaturesPerSample() throws Exception {
        AnalyticGaussianModel model = AnalyticGaussianModel.builder().build();
        try (OnnxClassifier clf = OnnxClassifier.load(fixture("classifier.onnx"), model.info().sampleShape(), 1)) {
            List<float[]> samples = new ArrayList<>();
            // More than one engine batch, so that the chunking is exercised.
            for (int i = 0; i < OnnxClassifier.BATCH + 10; i++) samples.add(model.mean(i % 10));
            FeatureClassifier.Classified c = clf.classify(samples);
            assertThat(c.features().length).isEqualTo(samples.size());
            assertThat(c.features()[0]).hasSize(8);
            assertThat(java.util.Arrays.stream(c.predicted()).boxed().toList()).allMatch(p -> p >= 0 && p < 10);
            // The same input gives the same answer in any batch position.
            assertThat(c.features()[OnnxClassifier.BATCH + 5]).containsExactly(c.features()[(OnnxClassifier.BATCH + 5) % 10]);
        }
    }

    @Test
    void aQualityRunThroughTheOnnxClassifierAgainstAFeatureFile() throws Exception {
        AnalyticGaussianModel model = AnalyticGaussianModel.builder().build();
        GaussianStats reference = GaussianStats.read(fixture("reference-features.json"));
        QualityBench.Options o = QualityBench.Options.defaults(12, 2.0)
                .withSweep(List.of(Solver.EULER), List.of("uniform"), List.of(2));
        try (OnnxClassifier clf = OnnxClassifier.load(fixture("classifier.onnx"), model.info().sampleShape(), 1)) {
            QualityReport report = QualityBench.run(model, clf, reference, o, QUIET);
            assertThat(report.points()).hasSize(1);
            assertThat(report.points().getFirst().fd()).isFinite();
            assertThat(report.reference().fd()).isFinite();
            assertThat(report.guidanceScale()).isEqualTo(2.0);
        }
    }

    static Path fixture(String file) throws URISyntaxException {
        return Path.of(QualityBenchTest.class.getResource("/fixtures/bench-classifier/" + file).toURI());
    }
}
