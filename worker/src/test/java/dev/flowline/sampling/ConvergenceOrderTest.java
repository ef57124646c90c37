package dev.flowline.sampling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every fixed-step solver, on a non-autonomous field with a closed-form solution, converges at its
 * theoretical order — on uniform grids and on shifted (non-uniform) grids, which exercises the variable-step
 * Adams–Bashforth weights. Step ranges sit where truncation error dominates the float32 rounding of the rows and
 * of the result (about 1e-7 relative). The shifted grid's steps near t = 1 are up to twice the uniform ones, so it
 * reaches the asymptotic regime later and is run with 1.5 times the steps.
 */
class ConvergenceOrderTest {

    private static final int DIM = 8;
    private static final long SEED = 7;
    private static final AnalyticFlows.LinearFlow FIELD = new AnalyticFlows.LinearFlow(1.5, -0.5, DIM);

    static Stream<Arguments> solvers() {
        Map<Solver, int[]> steps = Map.of(
                Solver.EULER, new int[] {64, 128, 256, 512},
                Solver.MIDPOINT, new int[] {32, 64, 128, 256},
                Solver.HEUN, new int[] {32, 64, 128, 256},
                Solver.RALSTON3, new int[] {16, 32, 64, 128},
                Solver.RK4, new int[] {8, 16, 32, 64},
                Solver.AB2, new int[] {32, 64, 128, 256},
                Solver.AB3, new int[] {32, 64, 128, 256},
                // On an ordinary velocity field (r ignored) the flow-map step is Euler.
                Solver.FLOWMAP, new int[] {32, 64, 128, 256});
        return Stream.of(Solver.values())
                .filter(s -> !s.isAdaptive() && !s.isModelDefined())
                .flatMap(s -> Stream.of(
                        Arguments.of(s, "uniform", steps.get(s)),
                        Arguments.of(s, "shifted", IntStream.of(steps.get(s)).map(n -> n * 3 / 2).toArray())));
    }

    @ParameterizedTest(name = "{0} on a {1} grid converges at its order")
    @MethodSource("solvers")
    void fixedStepSolverConvergesAtItsTheoreticalOrder(Solver solver, String schedule, int[] steps) {
        double[] errors = new double[steps.length];
        for (int i = 0; i < steps.length; i++) errors[i] = errorAtData(solver, schedule, steps[i]);
        double order = fittedOrder(steps, errors);
        System.out.printf("convergence %-8s %-7s errors %s order %.2f%n", solver, schedule,
                Stream.of(errors).map(java.util.Arrays::toString).toList(), order);
        assertThat(order).isCloseTo(solver.method().order(), within(0.3));
    }

    private static double errorAtData(Solver solver, String schedule, int steps) {
        SamplerConfig config = SamplerConfig.builder().optSolver(solver).optSteps(steps)
                .optSchedule(schedule, schedule.equals("shifted") ? Map.of("shift", 2.0) : Map.of()).build();
        SampleState sample = Sampler.of(config).newSample(DIM, SEED, 0, VelocityField.NO_LABEL);
        SampleRunner.runToCompletion(FIELD, DIM, List.of(sample));
        double[] x0 = GaussianNoise.initialNoise(SEED, 0, DIM);
        return AnalyticFlows.maxAbsError(sample.result(), FIELD.exact(x0, 1.0));
    }

    /** Least-squares slope of -log(error) against log(steps). */
    static double fittedOrder(int[] steps, double[] errors) {
        int n = steps.length;
        double mx = 0, my = 0;
        for (int i = 0; i < n; i++) {
            mx += Math.log(steps[i]) / n;
            my += Math.log(errors[i]) / n;
        }
        double sxy = 0, sxx = 0;
        for (int i = 0; i < n; i++) {
            double dx = Math.log(steps[i]) - mx;
            sxy += dx * (Math.log(errors[i]) - my);
            sxx += dx * dx;
        }
        return -sxy / sxx;
    }
}
