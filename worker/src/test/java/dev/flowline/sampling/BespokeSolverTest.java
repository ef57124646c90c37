package dev.flowline.sampling;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The generic Bespoke stepper: the identity numbers reproduce the base solver bit for bit, a consistent time and
 * scale transformation still converges to the exact answer (so the transformed-velocity algebra is right), bad
 * numbers are refused naming the field, and a job's choice among the model's shipped solvers follows its steps,
 * budget or name.
 */
class BespokeSolverTest {
    private static final AnalyticFlows.Gaussian FIELD = new AnalyticFlows.Gaussian(
            new double[][] {{0.0, 0.0, 0.0}, {0.5, -0.8, 0.3}, {-0.4, 0.9, 0.1}}, new double[] {1.0, 0.4, 0.7});
    private static final int DIM = 3;

    private static List<float[]> run(Sampler sampler, int samples, int label) {
        List<SampleState> states = new ArrayList<>();
        for (int i = 0; i < samples; i++) states.add(sampler.newSample(DIM, 42, i, label));
        SampleRunner.runToCompletion(FIELD, DIM, states);
        List<float[]> out = new ArrayList<>();
        for (SampleState s : states) out.add(s.result());
        return out;
    }

    private static Sampler bespoke(BespokeSolver b, double guidance) {
        SamplerConfig c = SamplerConfig.builder().optSolver("bespoke").optGuidanceScale(guidance).build();
        return Sampler.of(c, NamedSchedules.NONE.withBespoke(List.of(b)));
    }

    @ParameterizedTest
    @ValueSource(strings = {"euler", "midpoint", "heun", "rk4"})
    void identityNumbersReproduceTheBaseSolverBitForBit(String base) {
        ButcherTableau tableau = (ButcherTableau) Solver.parse(base).method();
        for (int steps : new int[] {1, 3, 8}) {
            for (double w : new double[] {1.0, 2.5}) {
                Sampler plain = Sampler.of(SamplerConfig.builder().optSolver(base).optSteps(steps).optGuidanceScale(w).build());
                Sampler learned = bespoke(BespokeSolver.identity("id", tableau, steps), w);
                assertThat(learned.maxNfe()).isEqualTo(plain.maxNfe());
                assertThat(learned.grid()).containsExactly(plain.grid());
                List<float[]> a = run(plain, 4, 1), b = run(learned, 4, 1);
                for (int i = 0; i < a.size(); i++) assertThat(b.get(i)).containsExactly(a.get(i));
            }
        }
    }

    /** t_r = (r + r²)/2, s_r = 1 + 0.3·r with their exact derivatives: the transformed ODE has the same solution. */
    private static BespokeSolver consistent(ButcherTableau base, int steps) {
        int n = base.stages() * steps;
        double[] t = new double[n], dt = new double[n], s = new double[n], ds = new double[n];
        for (int k = 0; k < steps; k++) {
            for (int i = 0; i < base.stages(); i++) {
                double r = (k + base.c(i)) / steps;
                int e = k * base.stages() + i;
                t[e] = (r + r * r) / 2;
                dt[e] = (1 + 2 * r) / 2;
                s[e] = 1 + 0.3 * r;
                ds[e] = 0.3;
            }
        }
        return new BespokeSolver("consistent", base, steps, t, dt, s, ds, 1.3);
    }

    @Test
    void aConsistentTransformConvergesToTheExactSolutionAtTheBaseOrder() {
        double[] errors = new double[3];
        int[] steps = {8, 16, 32};
        for (int k = 0; k < steps.length; k++) {
            Sampler sampler = bespoke(consistent(ButcherTableau.MIDPOINT, steps[k]), 1.0);
            float[] got = run(sampler, 1, 1).getFirst();
            double[] exact = FIELD.exact(GaussianNoise.initialNoise(42, 0, DIM), 1.0, 1);
            double err = 0;
            for (int d = 0; d < DIM; d++) err = Math.max(err, Math.abs(got[d] - exact[d]));
            errors[k] = err;
        }
        assertThat(errors[2]).isLessThan(1e-3);
        // Second order: halving h divides the error by about 4.
        assertThat(errors[0] / errors[1]).isBetween(3.0, 5.0);
    }

    @Test
    void invalidNumbersAreRefusedNamingTheField() {
        ButcherTableau mid = ButcherTableau.MIDPOINT;
        double[] ok4 = {0, 0.25, 0.5, 0.75};
        double[] ones = {1, 1, 1, 1};
        double[] zeros = {0, 0, 0, 0};
        assertThatThrownBy(() -> new BespokeSolver("b", mid, 2, new double[] {0, 0.5, 1}, ones, ones, zeros, 1))
                .hasMessageStartingWith("t must have 4 entries");
        assertThatThrownBy(() -> new BespokeSolver("b", mid, 2, new double[] {0, 0.5, 0.4, 0.9}, ones, ones, zeros, 1))
                .hasMessageStartingWith("t must be non-decreasing");
        assertThatThrownBy(() -> new BespokeSolver("b", mid, 2, new double[] {0.1, 0.5, 0.6, 0.9}, ones, ones, zeros, 1))
                .hasMessageStartingWith("t[0] must be 0");
        assertThatThrownBy(() -> new BespokeSolver("b", mid, 2, ok4, ones, new double[] {1, 0, 1, 1}, zeros, 1))
                .hasMessageStartingWith("s[1] must be positive");
        assertThatThrownBy(() -> new BespokeSolver("b", mid, 2, ok4, new double[] {1, 1, -1, 1}, ones, zeros, 1))
                .hasMessageStartingWith("dt[2] must be positive");
        assertThatThrownBy(() -> new BespokeSolver("b", mid, 2, ok4, ones, ones, new double[] {0, Double.NaN, 0, 0}, 1))
                .hasMessageStartingWith("ds[1] must be finite");
        assertThatThrownBy(() -> new BespokeSolver("b", mid, 2, ok4, ones, ones, zeros, 0))
                .hasMessageStartingWith("finalScale must be positive");
    }

    @Test
    void aJobChoosesAmongTheShippedSolversByStepsBudgetOrName() {
        BespokeSolver euler4 = BespokeSolver.identity("bespoke-euler-4", ButcherTableau.EULER, 4);
        BespokeSolver mid2 = BespokeSolver.identity("bespoke-midpoint-2", ButcherTableau.MIDPOINT, 2);
        BespokeSolver mid4 = BespokeSolver.identity("bespoke-midpoint-4", ButcherTableau.MIDPOINT, 4);
        NamedSchedules catalogue = NamedSchedules.of(Map.of()).withBespoke(List.of(euler4, mid2, mid4));
        SamplerConfigBuilder base = SamplerConfig.builder().optSolver("bespoke");
        assertThat(Sampler.of(base.build(), catalogue).solverName()).isEqualTo("bespoke-midpoint-4");
        assertThat(Sampler.of(SamplerConfig.builder().optSolver("bespoke").optSteps(4).build(), catalogue).solverName())
                .isEqualTo("bespoke-midpoint-4");
        assertThat(Sampler.of(SamplerConfig.builder().optSolver("bespoke").optNfeBudget(5).build(), catalogue).solverName())
                .isEqualTo("bespoke-midpoint-2");
        Sampler named = Sampler.of(SamplerConfig.builder().optSolver("bespoke").optSchedule("bespoke-euler-4", null).build(), catalogue);
        assertThat(named.solverName()).isEqualTo("bespoke-euler-4");
        assertThat(named.maxNfe()).isEqualTo(4);

        assertThatThrownBy(() -> Sampler.of(SamplerConfig.builder().optSolver("bespoke").optSteps(3).build(), catalogue))
                .isInstanceOfSatisfying(InvalidSamplerException.class, e -> assertThat(e.field()).isEqualTo("steps"))
                .hasMessageContaining("no bespoke solver with 3 steps").hasMessageContaining("bespoke-midpoint-2");
        assertThatThrownBy(() -> Sampler.of(SamplerConfig.builder().optSolver("bespoke").optNfeBudget(3).build(), catalogue))
                .isInstanceOfSatisfying(InvalidSamplerException.class, e -> assertThat(e.field()).isEqualTo("nfeBudget"));
        assertThatThrownBy(() -> Sampler.of(SamplerConfig.builder().optSolver("bespoke").build()))
                .isInstanceOfSatisfying(InvalidSamplerException.class, e -> assertThat(e.field()).isEqualTo("solver"))
                .hasMessageContaining("ships no bespoke solver");
        assertThatThrownBy(() -> SamplerConfig.builder().optSolver("bespoke").optTimes(new double[] {0, 0.5, 1}).build())
                .isInstanceOfSatisfying(InvalidSamplerException.class, e -> assertThat(e.field()).isEqualTo("times"));
        assertThatThrownBy(() -> SamplerConfig.builder().optSolver("bespoke").optStochasticity(0.5).build())
                .isInstanceOfSatisfying(InvalidSamplerException.class, e -> assertThat(e.field()).isEqualTo("stochasticity"));
    }
}
