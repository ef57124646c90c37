package dev.flowline.sampling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The BOSS grid optimiser, run against the VelocityField interface like the CLI will run it on a real model. */
class BossOptimizerTest {

    private static final int DIM = 4;
    /** A narrow target (s = 0.05): the velocity changes fast near t = 1, where a uniform grid is too coarse. */
    private static final AnalyticFlows.Gaussian FIELD = AnalyticFlows.Gaussian.unconditional(
            new double[] {1, -2, 0.5, 3}, 0.05);
    private static final long TRAIN_SEED = 100;
    private static final long TEST_SEED = 200;

    @ParameterizedTest(name = "{0} with {1} steps")
    @CsvSource({"euler, 8", "euler, 4", "heun, 4"})
    void bossGridBeatsTheUniformGridOnHeldOutNoise(String solver, int steps) {
        BossOptimizer.Options options = new BossOptimizer.Options(48, 2, Solver.parse(solver), 256);
        double[] boss = BossOptimizer.optimise(FIELD, DIM, VelocityField.NO_LABEL, TRAIN_SEED, 16, steps, options);

        double bossError = meanError(solver, boss);
        double uniformError = meanError(solver, TimeGrids.uniform(steps));
        System.out.printf("BOSS %s K=%d: grid %s error %.4f, uniform error %.4f%n", solver, steps,
                java.util.Arrays.toString(boss), bossError, uniformError);
        assertThat(boss).hasSize(steps + 1).startsWith(0.0).endsWith(1.0);
        assertThat(boss).isSorted();
        assertThat(bossError).isLessThan(0.5 * uniformError);
        // It spends its steps where the field changes fast: the last step is shorter than a uniform one.
        assertThat(boss[steps] - boss[steps - 1]).isLessThan(1.0 / steps);
    }

    @Test
    void optimisationIsDeterministic() {
        BossOptimizer.Options options = new BossOptimizer.Options(16, 1, Solver.EULER, 8);
        double[] a = BossOptimizer.optimise(FIELD, DIM, VelocityField.NO_LABEL, TRAIN_SEED, 4, 5, options);
        double[] b = BossOptimizer.optimise(FIELD, DIM, VelocityField.NO_LABEL, TRAIN_SEED, 4, 5, options);
        assertThat(a).containsExactly(b);
    }

    @Test
    void asManyStepsAsCandidatesGivesTheCandidateGrid() {
        BossOptimizer.Options options = new BossOptimizer.Options(8, 1, Solver.MIDPOINT, 64);
        double[] grid = BossOptimizer.optimise(FIELD, DIM, VelocityField.NO_LABEL, TRAIN_SEED, 2, 8, options);
        assertThat(grid).containsExactly(TimeGrids.uniform(8));
    }

    @Test
    void cheapestPathFollowsTheCostMatrix() {
        // Three candidates intervals; jumping 0 -> 2 is cheap, so the 2-step path is 0 -> 2/3 -> 1.
        double[][] cost = new double[4][4];
        for (double[] row : cost) java.util.Arrays.fill(row, 10);
        cost[0][2] = 1;
        cost[2][3] = 1;
        assertThat(BossOptimizer.cheapestPath(cost, TimeGrids.uniform(3), 2)).containsExactly(0, 2.0 / 3, 1);
    }

    @Test
    void moreStepsThanCandidatesIsRejected() {
        BossOptimizer.Options options = new BossOptimizer.Options(8, 1, Solver.EULER, 64);
        assertThatThrownBy(() -> BossOptimizer.optimise(FIELD, DIM, VelocityField.NO_LABEL, 1, 2, 9, options))
                .hasMessageContaining("steps must be in [1, candidates = 8]");
        assertThatThrownBy(() -> new BossOptimizer.Options(8, 1, Solver.DOPRI5, 64)).hasMessageContaining("fixed-step");
    }

    /** Mean over held-out samples of the max-abs error at t = 1 against the exact solution. */
    private static double meanError(String solver, double[] grid) {
        SamplerConfig config = SamplerConfig.builder().optSolver(solver).optTimes(grid).build();
        Sampler sampler = Sampler.of(config);
        List<SampleState> samples = new ArrayList<>();
        for (int i = 0; i < 32; i++) samples.add(sampler.newSample(DIM, TEST_SEED, i, VelocityField.NO_LABEL));
        SampleRunner.runToCompletion(FIELD, DIM, samples);
        double total = 0;
        for (int i = 0; i < samples.size(); i++) {
            double[] exact = FIELD.exact(GaussianNoise.initialNoise(TEST_SEED, i, DIM), 1.0, VelocityField.NO_LABEL);
            total += AnalyticFlows.maxAbsError(samples.get(i).result(), exact);
        }
        return total / samples.size();
    }
}
