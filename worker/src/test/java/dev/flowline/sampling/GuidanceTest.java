package dev.flowline.sampling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Classifier-free guidance: v = v_u + w·(v_c - v_u), two rows per guided evaluation, one elsewhere. */
class GuidanceTest {

    private static final int DIM = 4;
    private static final long SEED = 3;
    private static final int LABEL = 1;
    /** Unconditional mean 0, label 1's mean (2, -1, 1, 0.5); the same width s = 0.5 for both. */
    private static final AnalyticFlows.Gaussian FIELD = new AnalyticFlows.Gaussian(
            new double[][] {{0, 0, 0, 0}, {0, 0, 0, 0}, {2, -1, 1, 0.5}}, new double[] {0.5});

    private static SampleState sample(SamplerConfigBuilder builder, int label) {
        return Sampler.of(builder.build()).newSample(DIM, SEED, 0, label);
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = Solver.class, mode = EnumSource.Mode.EXCLUDE, names = {"BESPOKE", "FLOWMAP"}) // model-specific: BespokeSolverTest, FlowMapSolverTest
    void guidanceScaleOneIsTheConditionalFieldAloneWithOneRowPerEvaluation(Solver solver) {
        RecordingField recording = new RecordingField(FIELD);
        SampleState guided = sample(SamplerConfig.builder().optSolver(solver).optGuidanceScale(1.0), LABEL);
        SampleRunner.runToCompletion(recording, DIM, List.of(guided));

        assertThat(recording.totalRows()).isEqualTo(guided.nfe());
        assertThat(recording.rows).allSatisfy(row -> assertThat(row.label()).isEqualTo(LABEL));
        // And it is the conditional flow's exact solution x(1) = μ_c + s·x0, up to the solver's error.
        double[] exact = FIELD.exact(GaussianNoise.initialNoise(SEED, 0, DIM), 1.0, LABEL);
        assertThat(AnalyticFlows.maxAbsError(guided.result(), exact)).isLessThan(solver == Solver.EULER ? 0.05 : 2e-3);
    }

    @Test
    void guidedVelocityExtrapolatesFromUnconditionalToConditional() {
        // The Gaussian field is affine in its mean, so guidance with w is the flow towards μ_u + w·(μ_c - μ_u).
        double w = 3;
        SampleState guided = sample(SamplerConfig.builder().optSolver("rk4").optSteps(32).optGuidanceScale(w), LABEL);
        RecordingField recording = new RecordingField(FIELD);
        SampleRunner.runToCompletion(recording, DIM, List.of(guided));

        double[] x0 = GaussianNoise.initialNoise(SEED, 0, DIM);
        float[] result = guided.result();
        double[] muC = FIELD.means()[2];
        for (int d = 0; d < DIM; d++) assertThat(result[d]).isCloseTo((float) (w * muC[d] + 0.5 * x0[d]), within(1e-4f));
        assertThat(guided.nfe()).isEqualTo(128);
        assertThat(recording.totalRows()).isEqualTo(256);
    }

    @Test
    void guidedEvaluationWritesTheConditionalRowFirstThenTheUnconditional() {
        SampleState s = sample(SamplerConfig.builder().optSolver("euler").optSteps(2).optGuidanceScale(4), LABEL);
        assertThat(s.rowsNeeded()).isEqualTo(2);
        float[] x = new float[3 * DIM];
        float[] t = new float[3];
        int[] labels = {7, 7, 7};
        s.writeRows(x, t, labels, 1);
        assertThat(labels).containsExactly(7, LABEL, VelocityField.NO_LABEL);
        for (int d = 0; d < DIM; d++) assertThat(x[DIM + d]).isEqualTo(x[2 * DIM + d]).isNotZero();
        assertThat(t[1]).isEqualTo(t[2]).isZero();
    }

    @Test
    void guidanceIntervalEvaluatesTwoRowsOnlyInsideIt() {
        // Euler on 10 steps evaluates at 0.0 .. 0.9; inside [0.25, 0.55] are 0.3, 0.4 and 0.5.
        RecordingField recording = new RecordingField(FIELD);
        SampleState s = sample(SamplerConfig.builder().optSolver("euler").optSteps(10).optGuidanceScale(2)
                .optGuidanceInterval(0.25, 0.55), LABEL);
        SampleRunner.RunStats stats = SampleRunner.runToCompletion(recording, DIM, List.of(s));

        assertThat(s.nfe()).isEqualTo(10);
        assertThat(stats.modelCalls()).isEqualTo(10);
        assertThat(stats.rows()).isEqualTo(13);
        assertThat(recording.rowsPerCall).containsExactly(1, 1, 1, 2, 2, 2, 1, 1, 1, 1);
        assertThat(recording.rows.stream().filter(r -> r.label() == VelocityField.NO_LABEL).map(RecordingField.Row::t))
                .containsExactly(0.3f, 0.4f, 0.5f);
    }

    @Test
    void guidanceIntervalAppliesToStageTimes() {
        // Heun on 4 steps evaluates at 0, .25 | .25, .5 | .5, .75 | .75, 1: stage times 0.5 fall in [0.4, 0.6].
        SampleState s = sample(SamplerConfig.builder().optSolver("heun").optSteps(4).optGuidanceScale(2)
                .optGuidanceInterval(0.4, 0.6), LABEL);
        SampleRunner.RunStats stats = SampleRunner.runToCompletion(FIELD, DIM, List.of(s));
        assertThat(s.nfe()).isEqualTo(8);
        assertThat(stats.rows()).isEqualTo(10);
    }

    @Test
    void sampleWithoutLabelIsUnconditionalWithOneRowWhateverTheScale() {
        RecordingField recording = new RecordingField(FIELD);
        SampleState s = sample(SamplerConfig.builder().optSolver("euler").optSteps(5).optGuidanceScale(5),
                VelocityField.NO_LABEL);
        SampleRunner.runToCompletion(recording, DIM, List.of(s));
        assertThat(recording.totalRows()).isEqualTo(5);
        assertThat(recording.rows).allSatisfy(r -> assertThat(r.label()).isEqualTo(VelocityField.NO_LABEL));
    }

    @Test
    void guidanceScaleZeroNeedsOnlyTheUnconditionalRowInsideTheInterval() {
        RecordingField recording = new RecordingField(FIELD);
        SampleState s = sample(SamplerConfig.builder().optSolver("euler").optSteps(4).optGuidanceScale(0)
                .optGuidanceInterval(0.5, 1), LABEL);
        SampleRunner.runToCompletion(recording, DIM, List.of(s));
        assertThat(recording.rows).extracting(RecordingField.Row::label)
                .containsExactly(LABEL, LABEL, VelocityField.NO_LABEL, VelocityField.NO_LABEL);
    }
}
