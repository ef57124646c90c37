package dev.flowline.bench;

import dev.flowline.model.AnalyticGaussianModel;
import dev.flowline.sampling.BespokeSolver;
import dev.flowline.sampling.ButcherTableau;
import dev.flowline.sampling.GaussianNoise;
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
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

class QualityBenchTest {
    private static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());

    /** A decoder in Java (a latent model's stage stands behind the same interface): out = scale · in, row by row. */
    private record ScalingDecoder(int dim, float scale) implements dev.flowline.model.LatentDecoder {
        @Override
        public dev.flowline.model.PipelineStage stage() {
            return new dev.flowline.model.PipelineStage("decoder", dev.flowline.model.EngineKind.ONNX_RUNTIME,
                    Map.of(dev.flowline.model.EngineKind.ONNX_RUNTIME, "decoder.onnx"), "z", "image",
                    new int[]{dim}, new int[]{dim}, new dev.flowline.model.ModelInfo.ValueRange(-100, 100));
        }

        @Override
        public int inputDim() { return dim; }

        @Override
        public int outputDim() { return dim; }

        @Override
        public void run(int rows, float[] in, float[] out) {
            for (int i = 0; i < rows * dim; i++) out[i] = scale * in[i];
        }
    }

    @Test
    void aLatentModelsSamplesAreDecodedBeforeTheyAreJudged() {
        AnalyticGaussianModel model = AnalyticGaussianModel.builder().build();
        QualityBench.Options o = QualityBench.Options.defaults(40, 1.0).withClamp(false)
                .withSweep(List.of(Solver.EULER), List.of("uniform"), List.of(8));
        var clf = new AnalyticClassifier(model);
        var ref = AnalyticClassifier.referenceStats(model);
        QualityReport plain = QualityBench.run(model, clf, ref, o, QUIET);
        QualityReport identity = QualityBench.run(model, clf, ref, o, new QualityBench.Extras(Optional.empty(), Optional.empty(),
                Optional.empty(), Optional.of(new ScalingDecoder(model.dim(), 1f))), QUIET);
        QualityReport flipped = QualityBench.run(model, clf, ref, o, new QualityBench.Extras(Optional.empty(), Optional.empty(),
                Optional.empty(), Optional.of(new ScalingDecoder(model.dim(), 2f))), QUIET);

        assertThat(identity.points().getFirst().fd()).isEqualTo(plain.points().getFirst().fd());
        assertThat(identity.reference().fd()).isEqualTo(plain.reference().fd());
        // Decoded into the wrong images (twice as far out), the same samples are judged far worse: the output counts.
        assertThat(flipped.points().getFirst().fd()).isGreaterThan(5 * plain.points().getFirst().fd() + 1);
        assertThat(flipped.reference().fd()).isGreaterThan(5 * plain.reference().fd() + 1);
    }

    @Test
    void sweepsEverySolverScheduleBespokeAndFlowMapAgainstTheReferenceAndTheDataFloor(@TempDir Path dir) throws Exception {
        AnalyticGaussianModel model = AnalyticGaussianModel.builder()
                .optSchedules(Map.of("boss-euler-2", List.of(0.0, 0.3, 1.0), "boss-heun-4", List.of(0.0, 0.2, 0.5, 0.8, 1.0)))
                .optBespokeSolvers(List.of(BespokeSolver.identity("bespoke-midpoint-2", ButcherTableau.MIDPOINT, 2)))
                .build();
        AnalyticGaussianModel map = AnalyticGaussianModel.builder().optName("map").optFlowMap(true).build();
        AnalyticGaussianModel older = AnalyticGaussianModel.builder().optName("older").optStd(0.9f).build();
        float[][] real = new float[40][];
        for (int i = 0; i < real.length; i++) {
            real[i] = model.transport(toFloat(GaussianNoise.initialNoise(99, i, model.dim())), i % 10, 1.0);
        }
        QualityBench.Options o = QualityBench.Options.defaults(40, 1.0).withClamp(false)
                .withSweep(List.of(Solver.EULER, Solver.HEUN, Solver.DOPRI5), QualityBench.SCHEDULES, List.of(1, 2, 8));
        QualityReport report = QualityBench.run(model, new AnalyticClassifier(model), AnalyticClassifier.referenceStats(model), o,
                new QualityBench.Extras(Optional.of(map), Optional.of(older), Optional.of(real)), QUIET);

        List<String> points = new ArrayList<>();
        for (QualityBench.Point p : report.points()) points.add(p.name() + "/" + p.schedule() + "/" + p.targetNfe());
        // Heun costs two evaluations a step: no 1-evaluation point; "optimised" points exist only where the model ships
        // a grid for that solver and step count; dopri5 reports every budget with what it achieved.
        assertThat(points).containsExactly(
                "euler/uniform/1", "euler/uniform/2", "euler/uniform/8",
                "euler/shifted/1", "euler/shifted/2", "euler/shifted/8",
                "euler/optimised/2",
                "heun/uniform/2", "heun/uniform/8", "heun/shifted/2", "heun/shifted/8", "heun/optimised/8",
                "dopri5/adaptive/1", "dopri5/adaptive/2", "dopri5/adaptive/8",
                "bespoke-midpoint-2/learned/4",
                "flowmap/uniform/1", "flowmap/uniform/2", "flowmap/uniform/4");
        for (QualityBench.Point p : report.points()) {
            assertThat(p.fd()).isFinite().isNotNegative();
            if (p.steps() > 0) assertThat(p.nfe()).isEqualTo(p.targetNfe());
            else assertThat(p.nfe()).isGreaterThanOrEqualTo(7.0); // one Dormand–Prince step at the least
        }
        // The identity bespoke solver is midpoint on 2 uniform steps; the exact flow map is as good as the reference.
        QualityBench.Point flowMap1 = report.points().get(16);
        assertThat(flowMap1.fd()).isCloseTo(report.reference().fd(), org.assertj.core.data.Percentage.withPercentage(1));
        assertThat(report.bestAt(1)).isEqualTo(flowMap1);
        assertThat(report.dataFloor()).isFinite().isLessThan(report.points().get(0).fd());
        assertThat(report.baseline().model()).isEqualTo("older");
        assertThat(report.baseline().fd()).isGreaterThan(report.reference().fd());
        // The classes overlap, so even data is not always nearest its own mean; chance would be 0.1.
        assertThat(report.reference().accuracy()).isGreaterThan(0.6);
        assertThat(report.reference().fd()).isLessThan(report.points().get(1).fd());
        assertThat(report.bestAtKeyNfe().targetNfe()).isEqualTo(8);
        assertThat(report.bestPerSolverAtKeyNfe()).containsOnlyKeys("euler", "heun");
        assertThat(report.worstSolverFdAtKeyNfeOverReferenceFd())
                .isEqualTo(Math.max(report.bestPerSolverAtKeyNfe().get("euler").fd(), report.bestPerSolverAtKeyNfe().get("heun").fd())
                        / report.reference().fd());

        Map<String, Object> json = report.toJson(MachineInfo.describe("none", "cpu"));
        assertThat(json).containsKeys("reference", "points", "reference_fd", "reference_class_accuracy", "data_floor_fd",
                "samples_per_point", "best_fd_at_8_nfe_over_reference_fd", "best_fd_at_4_nfe_over_reference_fd",
                "best_fd_at_2_nfe_over_reference_fd", "best_fd_at_1_nfe_over_reference_fd",
                "worst_solver_fd_at_8_nfe_over_reference_fd", "baseline_reference_fd", "machine");
        @SuppressWarnings("unchecked")
        Map<String, Object> first = (Map<String, Object>) ((List<Object>) json.get("points")).getFirst();
        assertThat(first).containsKeys("solver", "schedule", "nfe", "fd", "accuracy");
        BenchJson.write(dir.resolve("quality.json"), json);
        assertThat(report.writePlots(dir)).allMatch(Files::isRegularFile);
    }

    private static float[] toFloat(double[] x) {
        float[] f = new float[x.length];
        for (int i = 0; i < x.length; i++) f[i] = (float) x[i];
        return f;
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
