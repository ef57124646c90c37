package dev.flowline.sampling;

import java.util.ArrayList;
import java.util.List;

/**
 * Offline optimisation of a K-step time grid for one model, after BOSS (Bellman Optimal Step-size Straightening,
 * Nguyen et al. 2024): choose the steps along which the solver's one-step errors, measured against accurate
 * trajectories of the model itself, add up to the least.
 *
 * <ol>
 *   <li>Reference: {@code samples} trajectories from the seeded noises {@code (seed, 0 .. samples-1)}, integrated with
 *       RK4 on a uniform grid of {@code candidates·refine} steps; their states at the {@code candidates + 1} uniform
 *       candidate times are kept.</li>
 *   <li>Jump costs: for every pair of candidate times {@code t_i < t_j}, one step of the chosen solver from the
 *       reference state at t_i, compared with the reference state at t_j; the cost is the mean over samples of the
 *       RMS error. (Euler's only stage is the reference velocity at t_i, so Euler costs no evaluation here.)</li>
 *   <li>Path: dynamic programming over the candidate times for the K-jump path 0 → 1 of least summed cost.</li>
 * </ol>
 * The result is plain data, to be stored with the model and served as a named schedule. The grid is optimised for
 * the field it is given: the labels' conditional fields, or their guided fields through a {@link GuidedField}
 * (optimise for the solver and the guidance the grid will serve: a grid scored with Euler steps on the unguided
 * field is no good for Heun at w = 2). Work: {@code samples·candidates·refine·4} evaluations for
 * the reference plus {@code samples·candidates²/2·(stages-1)} for the costs.
 */
public final class BossOptimizer {

    /**
     * @param candidates number of candidate intervals (uniform), ≥ the requested steps
     * @param refine     RK4 reference substeps per candidate interval
     * @param stepSolver the fixed-step one-step solver whose errors are scored (normally the one the grid is for)
     * @param maxRows    rows per model call
     */
    public record Options(int candidates, int refine, Solver stepSolver, int maxRows) {
        public static final Options DEFAULT = new Options(64, 2, Solver.EULER, 256);

        public Options {
            if (candidates < 1) throw new IllegalArgumentException("candidates must be >= 1");
            if (refine < 1) throw new IllegalArgumentException("refine must be >= 1");
            if (!(stepSolver.method() instanceof ButcherTableau t) || t.isEmbedded()) {
                throw new IllegalArgumentException("stepSolver must be a fixed-step Runge–Kutta solver, not " + stepSolver);
            }
            if (maxRows < 2) throw new IllegalArgumentException("maxRows must be >= 2");
        }
    }

    private BossOptimizer() {
    }

    /**
     * The optimised grid of {@code steps} steps, from 0 to 1.
     *
     * @param label   class label the field is evaluated with, or {@link VelocityField#NO_LABEL}
     * @param seed    seed of the reference noises
     * @param samples number of reference trajectories, ≥ 1
     */
    public static double[] optimise(VelocityField field, int dim, int label, long seed, int samples, int steps,
                                    Options options) {
        int[] labels = new int[samples];
        java.util.Arrays.fill(labels, label);
        return optimise(field, dim, labels, seed, steps, options);
    }

    /**
     * As {@link #optimise(VelocityField, int, int, long, int, int, Options)} with one label per reference trajectory
     * (e.g. classes in turn, for one class-agnostic grid); wrap the field in a {@link GuidedField} to optimise for
     * guided sampling.
     */
    public static double[] optimise(VelocityField field, int dim, int[] labels, long seed, int steps, Options options) {
        int samples = labels.length;
        int m = options.candidates();
        if (steps < 1 || steps > m) {
            throw new IllegalArgumentException("steps must be in [1, candidates = " + m + "], got " + steps);
        }
        if (samples < 1 || dim < 1) throw new IllegalArgumentException("samples and dim must be >= 1");
        double[] times = TimeGrids.uniform(m);
        double[][][] reference = new double[m + 1][][];
        double[][][] velocity = new double[m][][];
        referenceTrajectories(field, dim, labels, seed, samples, options, times, reference, velocity);
        double[][] cost = jumpCosts(field, dim, labels, samples, options, times, reference, velocity);
        return cheapestPath(cost, times, steps);
    }

    private static void referenceTrajectories(VelocityField field, int dim, int[] labels, long seed, int samples,
                                              Options options, double[] times, double[][][] reference,
                                              double[][][] velocity) {
        int m = options.candidates();
        int refine = options.refine();
        double[] fine = TimeGrids.uniform(m * refine);
        RungeKuttaStages[] stages = new RungeKuttaStages[samples];
        double[][] x = new double[samples][];
        double[][] points = new double[samples][dim];
        double[][] k = new double[samples][dim];
        for (int s = 0; s < samples; s++) {
            stages[s] = new RungeKuttaStages(ButcherTableau.RK4, dim);
            x[s] = GaussianNoise.initialNoise(seed, s, dim);
        }
        reference[0] = copy(x);
        for (int n = 0; n < fine.length - 1; n++) {
            double h = fine[n + 1] - fine[n];
            for (int i = 0; i < 4; i++) {
                for (int s = 0; s < samples; s++) stages[s].stagePoint(i, x[s], h, points[s]);
                evaluate(field, dim, labels, points, stages[0].stageTime(i, fine[n], fine[n + 1]), k, options.maxRows());
                for (int s = 0; s < samples; s++) stages[s].setStage(i, k[s]);
                if (i == 0 && n % refine == 0) velocity[n / refine] = copy(k);
            }
            for (int s = 0; s < samples; s++) stages[s].solution(x[s], h, x[s]);
            if ((n + 1) % refine == 0) reference[(n + 1) / refine] = copy(x);
        }
    }

    private static double[][] jumpCosts(VelocityField field, int dim, int[] labels, int samples, Options options,
                                        double[] times, double[][][] reference, double[][][] velocity) {
        int m = options.candidates();
        ButcherTableau tableau = (ButcherTableau) options.stepSolver().method();
        double[][] cost = new double[m + 1][m + 1];
        int jumpsPerChunk = Math.max(1, options.maxRows() / samples);
        for (int i = 0; i < m; i++) {
            for (int first = i + 1; first <= m; first += jumpsPerChunk) {
                int last = Math.min(m, first + jumpsPerChunk - 1);
                List<FlowSampleState> jumps = new ArrayList<>();
                for (int j = first; j <= last; j++) {
                    double[] grid = {times[i], times[j]};
                    for (int s = 0; s < samples; s++) {
                        Stepper step = new FixedStepper(tableau, grid, reference[i][s], velocity[i][s]);
                        jumps.add(new FlowSampleState(step, dim, labels[s], 1, GuidanceInterval.ALWAYS, null));
                    }
                }
                SampleRunner.runToCompletion(field, dim, jumps, options.maxRows());
                for (int j = first; j <= last; j++) {
                    double total = 0;
                    for (int s = 0; s < samples; s++) {
                        float[] end = jumps.get((j - first) * samples + s).result();
                        total += rms(end, reference[j][s]);
                    }
                    cost[i][j] = total / samples;
                }
            }
        }
        return cost;
    }

    /** Least-cost path 0 → m in exactly {@code steps} jumps, by dynamic programming over (jumps, end point). */
    static double[] cheapestPath(double[][] cost, double[] times, int steps) {
        int m = times.length - 1;
        double[][] best = new double[steps + 1][m + 1];
        int[][] from = new int[steps + 1][m + 1];
        for (double[] row : best) java.util.Arrays.fill(row, Double.POSITIVE_INFINITY);
        best[0][0] = 0;
        for (int k = 1; k <= steps; k++) {
            for (int j = k; j <= m; j++) {
                for (int i = k - 1; i < j; i++) {
                    double c = best[k - 1][i] + cost[i][j];
                    if (c < best[k][j]) {
                        best[k][j] = c;
                        from[k][j] = i;
                    }
                }
            }
        }
        double[] grid = new double[steps + 1];
        int j = m;
        for (int k = steps; k >= 0; k--) {
            grid[k] = times[j];
            j = from[k][j];
        }
        return TimeGrids.validated(grid, "schedule");
    }

    private static void evaluate(VelocityField field, int dim, int[] labelOf, double[][] points, double time,
                                 double[][] out, int maxRows) {
        int samples = points.length;
        int chunk = Math.min(samples, maxRows);
        float[] x = new float[chunk * dim];
        float[] t = new float[chunk];
        int[] labels = new int[chunk];
        float[] v = new float[chunk * dim];
        java.util.Arrays.fill(t, (float) time);
        for (int start = 0; start < samples; start += chunk) {
            int rows = Math.min(chunk, samples - start);
            for (int r = 0; r < rows; r++) {
                labels[r] = labelOf[start + r];
                for (int d = 0; d < dim; d++) x[r * dim + d] = (float) points[start + r][d];
            }
            field.velocity(rows, x, t, labels, v);
            for (int r = 0; r < rows; r++) {
                for (int d = 0; d < dim; d++) out[start + r][d] = v[r * dim + d];
            }
        }
    }

    private static double rms(float[] a, double[] b) {
        double sum = 0;
        for (int d = 0; d < b.length; d++) {
            double e = a[d] - b[d];
            sum += e * e;
        }
        return Math.sqrt(sum / b.length);
    }

    private static double[][] copy(double[][] rows) {
        double[][] c = new double[rows.length][];
        for (int r = 0; r < rows.length; r++) c[r] = rows[r].clone();
        return c;
    }
}
