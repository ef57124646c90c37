package dev.flowline.sampling;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/**
 * Image-to-image starts (SDEdit): a sample at t0 from (1 − t0)·noise + t0·latent, integrated to 1 on the job's grid
 * mapped onto [t0, 1], checked against the closed-form trajectory of a Gaussian flow.
 */
class PartialStartTest {
    private static final AnalyticFlows.Gaussian FIELD = new AnalyticFlows.Gaussian(
            new double[][] {{0.3, -0.6, 0.9}}, new double[] {0.5});
    private static final int DIM = 3;
    private static final float[] LATENT = {0.8f, -0.2f, 0.1f};

    private static Sampler sampler(String solver, Integer steps) {
        return Sampler.of(SamplerConfig.builder().optSolver(solver).optSteps(steps).build());
    }

    private static float[] run(SampleState s) {
        SampleRunner.runToCompletion(FIELD, DIM, List.of(s));
        return s.result();
    }

    @Test
    void theGridIsMappedOntoTheRemainingSpanWithItsStepCountAndExactEnds() {
        PartialStart start = new PartialStart(0.3, LATENT);
        double[] grid = start.rescale(new double[] {0, 0.25, 0.5, 0.75, 1});
        assertThat(grid).containsExactly(new double[] {0.3, 0.475, 0.65, 0.825, 1.0}, within(1e-15));
        assertThat(grid[0]).isEqualTo(0.3);
        assertThat(grid[4]).isEqualTo(1.0);
        assertThat(PartialStart.ofStrength(0.75, LATENT).t0()).isEqualTo(0.25);
    }

    @Test
    void aSampleStartsAtT0FromTheMixOfItsOwnNoiseAndTheLatent() {
        SampleState s = sampler("euler", 4).newSample(DIM, 9, 2, VelocityField.NO_LABEL, new PartialStart(0.4, LATENT));
        assertThat(s.time()).isEqualTo(0.4);
        assertThat(s.totalSteps()).isEqualTo(4);
        float[] x = new float[DIM];
        float[] t = new float[1];
        s.writeRows(x, t, new int[1], 0);
        double[] noise = GaussianNoise.initialNoise(9, 2, DIM);
        assertThat(t[0]).isEqualTo(0.4f);
        for (int d = 0; d < DIM; d++) assertThat(x[d]).isEqualTo((float) (0.6 * noise[d] + 0.4 * LATENT[d]));
    }

    /** The exact x(1) of the Gaussian flow through (t0, x_t0): x(t) = t·μ + σ_t·c with c = (x_t0 − t0·μ)/σ_t0. */
    private static double[] exactFrom(double t0, double[] xt0) {
        double[] x0 = new double[DIM];
        double sigma = Math.sqrt((1 - t0) * (1 - t0) + t0 * t0 * 0.25);
        for (int d = 0; d < DIM; d++) x0[d] = (xt0[d] - t0 * FIELD.means()[0][d]) / sigma;
        return FIELD.exact(x0, 1, VelocityField.NO_LABEL);
    }

    @ParameterizedTest
    @ValueSource(strings = {"rk4", "heun", "ab3", "dopri5"})
    void everySolverFamilyIntegratesFromT0ToOneOnTheTrueTrajectory(String solver) {
        double t0 = 0.55;
        Sampler sampler = sampler(solver, solver.equals("dopri5") ? null : 40);
        float[] out = run(sampler.newSample(DIM, 4, 0, VelocityField.NO_LABEL, new PartialStart(t0, LATENT)));
        double[] xt0 = new PartialStart(t0, LATENT).mix(GaussianNoise.initialNoise(4, 0, DIM));
        double[] exact = exactFrom(t0, xt0);
        double tolerance = solver.equals("dopri5") ? 1e-3 : 1e-4; // dopri5 stops at its default tolerances
        for (int d = 0; d < DIM; d++) assertThat((double) out[d]).as("%s dim %d", solver, d).isCloseTo(exact[d], within(tolerance));
        // the trajectory from 0 through the same noise ends elsewhere: the start time is not ignored
        double[] fromZero = FIELD.exact(GaussianNoise.initialNoise(4, 0, DIM), 1, VelocityField.NO_LABEL);
        assertThat(Math.abs(fromZero[0] - exact[0]) + Math.abs(fromZero[1] - exact[1])).isGreaterThan(0.05);
    }

    @Test
    void tZeroIsBitForBitTheSampleFromPureNoise() {
        Sampler s = sampler("heun", 5);
        float[] plain = run(s.newSample(DIM, 3, 1, VelocityField.NO_LABEL));
        float[] fromZero = run(s.newSample(DIM, 3, 1, VelocityField.NO_LABEL, new PartialStart(0, LATENT)));
        assertThat(fromZero).containsExactly(plain);
    }

    @Test
    void tOneIsFinishedBeforeAnyEvaluationWithTheLatentAsItsResult() {
        SampleState s = sampler("heun", 5).newSample(DIM, 3, 1, VelocityField.NO_LABEL, new PartialStart(1, LATENT));
        assertThat(s.isFinished()).isTrue();
        assertThat(s.rowsNeeded()).isZero();
        assertThat(s.time()).isEqualTo(1.0);
        assertThat(s.result()).containsExactly(LATENT);
        assertThat(s.nfe()).isZero();
    }

    @Test
    void aBespokeSolverCannotStartPartWay() {
        Sampler bespoke = Sampler.of(SamplerConfig.builder().optSolver("bespoke").build(),
                NamedSchedules.NONE.withBespoke(List.of(BespokeSolver.identity("bespoke-euler-4", ButcherTableau.EULER, 4))));
        assertThatThrownBy(() -> bespoke.newSample(DIM, 1, 0, VelocityField.NO_LABEL, new PartialStart(0.5, LATENT)))
                .isInstanceOfSatisfying(InvalidSamplerException.class, e -> assertThat(e.field()).isEqualTo("solver"));
        // strength 1 (t0 = 0) is an ordinary sample, which a bespoke solver runs
        assertThat(bespoke.newSample(DIM, 1, 0, VelocityField.NO_LABEL, new PartialStart(0, LATENT)).isFinished()).isFalse();
    }

    @Test
    void aStartOutsideZeroToOneIsAProgrammingError() {
        assertThatThrownBy(() -> new PartialStart(Double.NaN, LATENT)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new PartialStart(1.5, LATENT)).isInstanceOf(IllegalArgumentException.class);
    }
}
