package dev.flowline.sampling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

/** The marginal-preserving SDE sampler. */
class StochasticSamplingTest {

    private static final int DIM = 2;
    private static final double[] MEAN = {1.5, -0.5};
    private static final double SCALE = 0.5;
    private static final AnalyticFlows.Gaussian FIELD = AnalyticFlows.Gaussian.unconditional(MEAN, SCALE);

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = Solver.class, names = {"EULER", "MIDPOINT", "HEUN", "RALSTON3", "RK4"})
    void stochasticityZeroIsExactlyTheOdeSolver(Solver solver) {
        SampleState ode = Sampler.of(SamplerConfig.builder().optSolver(solver).optSteps(10).build())
                .newSample(DIM, 5, 0, VelocityField.NO_LABEL);
        SampleState sde = Sampler.of(SamplerConfig.builder().optSolver(solver).optSteps(10).optStochasticity(0.0).build())
                .newSample(DIM, 5, 0, VelocityField.NO_LABEL);
        SampleRunner.runToCompletion(FIELD, DIM, List.of(ode, sde));
        assertThat(sde.result()).containsExactly(ode.result());
    }

    @ParameterizedTest(name = "ε = {0} with {1}")
    @CsvSource({"1.0, euler, 100", "3.0, heun, 50"})
    void stochasticSamplesHaveTheTargetMeanAndVariance(double epsilon, String solver, int steps) {
        int n = 4000;
        Sampler sampler = Sampler.of(SamplerConfig.builder().optSolver(solver).optSteps(steps)
                .optStochasticity(epsilon).build());
        List<SampleState> samples = new ArrayList<>();
        for (int i = 0; i < n; i++) samples.add(sampler.newSample(DIM, 31, i, VelocityField.NO_LABEL));
        SampleRunner.runToCompletion(FIELD, DIM, samples);

        for (int d = 0; d < DIM; d++) {
            double mean = 0;
            for (SampleState s : samples) mean += s.result()[d] / n;
            double var = 0;
            for (SampleState s : samples) var += Math.pow(s.result()[d] - mean, 2) / (n - 1);
            // Five standard errors of the sample mean and variance of n draws from N(μ, s²).
            assertThat(mean).isCloseTo(MEAN[d], within(5 * SCALE / Math.sqrt(n)));
            assertThat(var).isCloseTo(SCALE * SCALE, within(5 * SCALE * SCALE * Math.sqrt(2.0 / (n - 1))));
        }
    }

    @Test
    void stochasticSampleDiffersFromTheOdeSampleButIsReproducible() {
        SamplerConfig config = SamplerConfig.builder().optSolver("euler").optSteps(20).optStochasticity(2.0).build();
        SampleState a = Sampler.of(config).newSample(DIM, 8, 0, VelocityField.NO_LABEL);
        SampleState b = Sampler.of(config).newSample(DIM, 8, 0, VelocityField.NO_LABEL);
        SampleState ode = Sampler.of(SamplerConfig.builder().optSolver("euler").optSteps(20).build())
                .newSample(DIM, 8, 0, VelocityField.NO_LABEL);
        SampleRunner.runToCompletion(FIELD, DIM, List.of(a, b, ode));
        assertThat(b.result()).containsExactly(a.result());
        assertThat(a.result()).isNotEqualTo(ode.result());
        assertThat(a.nfe()).isEqualTo(ode.nfe());
    }

    @Test
    void driftNeverDividesByOneMinusTAndNoiseVanishesAtTheEnd() {
        MarginalPreservingSde sde = new MarginalPreservingSde(2.0, 1, 0);
        double[] x = {1.0, -2.0};
        double[] v = {0.5, 0.25};
        sde.drift(1.0, x, v);
        // (1 + ε/2)·v - (ε/2)·x at t = 1 with ε = 2: 2v - x.
        assertThat(v).containsExactly(0.0, 2.5);
        double[] y = {1.0, 1.0};
        sde.addNoise(y, 1.0, 1.0, 7);
        assertThat(y).containsExactly(1.0, 1.0);
    }
}
