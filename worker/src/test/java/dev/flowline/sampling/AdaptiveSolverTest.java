package dev.flowline.sampling;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Dormand–Prince 5(4) with per-sample step control, on the exact field of a narrow Gaussian target. */
class AdaptiveSolverTest {

    private static final int DIM = 8;
    private static final long SEED = 11;
    /** s = 0.1: the velocity changes fast near t = 1, where the paths converge onto the narrow target. */
    private static final AnalyticFlows.Gaussian FIELD = AnalyticFlows.Gaussian.unconditional(
            new double[] {1, -1, 0.5, 2, 0, -0.5, 1.5, -2}, 0.1);

    private static SampleState dopri5(double tol, Integer maxNfe, int sampleIndex, int label) {
        Map<String, Double> params = maxNfe == null ? Map.of("rtol", tol, "atol", tol)
                : Map.of("rtol", tol, "atol", tol, "maxNfe", (double) maxNfe);
        SamplerConfig config = SamplerConfig.builder().optSolver("dopri5").optSolverParams(params).build();
        return Sampler.of(config).newSample(DIM, SEED, sampleIndex, label);
    }

    private static double error(SampleState s, double t, int sampleIndex, int label) {
        return AnalyticFlows.maxAbsError(s.result(), FIELD.exact(GaussianNoise.initialNoise(SEED, sampleIndex, DIM), t, label));
    }

    private static double rk4Error(int steps) {
        SampleState s = Sampler.of(SamplerConfig.builder().optSolver("rk4").optSteps(steps).build())
                .newSample(DIM, SEED, 0, VelocityField.NO_LABEL);
        SampleRunner.runToCompletion(FIELD, DIM, List.of(s));
        return error(s, 1.0, 0, VelocityField.NO_LABEL);
    }

    @ParameterizedTest(name = "tolerance {0}")
    @ValueSource(doubles = {1e-4, 1e-5})
    void dopri5MeetsItsToleranceWithFewerEvaluationsThanRk4AtEqualError(double tol) {
        SampleState s = dopri5(tol, null, 0, VelocityField.NO_LABEL);
        SampleRunner.runToCompletion(FIELD, DIM, List.of(s));

        double error = error(s, 1.0, 0, VelocityField.NO_LABEL);
        assertThat(s.time()).isEqualTo(1.0);
        // Local tolerance control bounds the global error to a small multiple of the tolerance scale.
        double[] exact = FIELD.exact(GaussianNoise.initialNoise(SEED, 0, DIM), 1.0, VelocityField.NO_LABEL);
        double largest = java.util.Arrays.stream(exact).map(Math::abs).max().orElseThrow();
        assertThat(error).isLessThan(10 * (tol + tol * largest));
        int rk4Steps = 1;
        while (rk4Error(rk4Steps) > error && rk4Steps < 1000) rk4Steps++;
        System.out.printf("dopri5 tol %.0e: error %.2e with %d NFE (%d steps); rk4 needs %d NFE%n",
                tol, error, s.nfe(), s.stepsDone(), 4 * rk4Steps);
        assertThat(s.nfe()).isLessThan(4 * rk4Steps);
    }

    @Test
    void tighterToleranceGivesSmallerErrorForMoreEvaluations() {
        SampleState loose = dopri5(1e-3, null, 0, VelocityField.NO_LABEL);
        SampleState tight = dopri5(1e-6, null, 0, VelocityField.NO_LABEL);
        SampleRunner.runToCompletion(FIELD, DIM, List.of(loose, tight));
        assertThat(tight.nfe()).isGreaterThan(loose.nfe());
        assertThat(error(tight, 1.0, 0, VelocityField.NO_LABEL)).isLessThan(error(loose, 1.0, 0, VelocityField.NO_LABEL));
    }

    @Test
    void nfeCapFinishesWithTheLastAcceptedStateInsteadOfFailing() {
        SampleState s = dopri5(1e-6, 20, 0, VelocityField.NO_LABEL);
        SampleRunner.runToCompletion(FIELD, DIM, List.of(s));

        assertThat(s.isFinished()).isTrue();
        assertThat(s.rowsNeeded()).isZero();
        assertThat(s.nfe()).isEqualTo(20);
        assertThat(s.time()).isBetween(0.0, 1.0).isNotEqualTo(1.0);
        assertThat(s.stepsDone()).isPositive();
        // The returned state is an accepted one: accurate at the time it reached.
        assertThat(error(s, s.time(), 0, VelocityField.NO_LABEL)).isLessThan(1e-4);
    }

    @Test
    void nfeBudgetCapsAnAdaptiveSample() {
        SamplerConfig config = SamplerConfig.builder().optSolver("dopri5").optNfeBudget(13).build();
        SampleState s = Sampler.of(config).newSample(DIM, SEED, 0, VelocityField.NO_LABEL);
        SampleRunner.runToCompletion(FIELD, DIM, List.of(s));
        assertThat(s.nfe()).isEqualTo(13);
        assertThat(Sampler.of(config).maxNfe()).isEqualTo(13);
    }

    @Test
    void samplesInOneBatchChooseTheirOwnStepSizes() {
        // Label 1's target is narrower: its velocity changes faster near t = 1, so it needs more steps.
        AnalyticFlows.Gaussian field = new AnalyticFlows.Gaussian(
                new double[][] {new double[DIM], filled(1), filled(1)}, new double[] {1, 0.5, 0.02});
        SampleState near = dopri5(1e-5, null, 0, 0);
        SampleState far = dopri5(1e-5, null, 1, 1);
        SampleRunner.runToCompletion(field, DIM, List.of(near, far));

        SampleState nearAlone = dopri5(1e-5, null, 0, 0);
        SampleState farAlone = dopri5(1e-5, null, 1, 1);
        SampleRunner.runToCompletion(field, DIM, List.of(nearAlone));
        SampleRunner.runToCompletion(field, DIM, List.of(farAlone));

        assertThat(far.nfe()).isGreaterThan(near.nfe());
        assertThat(near.nfe()).isEqualTo(nearAlone.nfe());
        assertThat(far.result()).isEqualTo(farAlone.result());
        assertThat(far.stepsDone()).isEqualTo(far.totalSteps());
    }

    private static double[] filled(double value) {
        double[] a = new double[DIM];
        java.util.Arrays.fill(a, value);
        return a;
    }
}
