package dev.flowline.bench;

import dev.flowline.model.AnalyticGaussianModel;
import dev.flowline.sampling.GaussianNoise;
import dev.flowline.sampling.SampleRunner;
import dev.flowline.sampling.SampleState;
import dev.flowline.sampling.Sampler;
import dev.flowline.sampling.SamplerConfig;
import dev.flowline.sampling.Solver;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Convergence of every solver on the {@link AnalyticGaussianModel}, whose ODE has a closed-form solution: the error
 * at t = 1 against the exact transport of each sample's noise, over doubling step counts on a uniform grid. The order
 * is the least-squares slope of −log(error) against log(NFE) over the {@link #FIT_POINTS} finest points whose error is
 * above {@link #FIT_FLOOR}: the finest, because the coarse ones are not yet asymptotic; above the floor, because the
 * rows are rounded to float32 at every evaluation, which leaves an error of about 1e-8 that no step count removes.
 * dopri5 is swept over tolerances instead (rtol = atol), reporting the evaluations it spends and the error it reaches.
 *
 * <p>The default data spread (std 0.2) puts every solver's asymptotic range above the floor. Measured orders can
 * exceed the theoretical ones on this particular flow (midpoint reaches 3 here, its h² error term cancels).
 */
public final class SolversBench {
    /** Errors below this are mostly float32 rounding of the rows, not truncation: left out of the fit. */
    public static final double FIT_FLOOR = 1e-7;
    /** Points the order is fitted on. */
    public static final int FIT_POINTS = 3;
    /** Data spread of the analytic model the command uses. */
    public static final float DEFAULT_STD = 0.2f;

    private SolversBench() {}

    /**
     * @param samples samples per point (labels cycle over the classes)
     * @param maxSteps the largest step count of the sweep (1, 2, 4, … up to it)
     * @param rtols    dopri5 tolerances
     * @param seed     seed of the noises
     * @param std      the analytic model's data spread (recorded; the caller builds the model)
     */
    public record Options(int samples, int maxSteps, List<Double> rtols, long seed, double std) {
        public Options {
            if (samples < 1) throw new IllegalArgumentException("samples must be >= 1");
            if (maxSteps < 2) throw new IllegalArgumentException("maxSteps must be >= 2");
            rtols = List.copyOf(rtols);
        }

        public static Options defaults() {
            return new Options(64, 512, List.of(1e-1, 3e-2, 1e-2, 3e-3, 1e-3, 3e-4, 1e-4, 3e-5, 1e-5, 3e-6, 1e-6, 1e-7), 20261122L, DEFAULT_STD);
        }
    }

    public record ErrorPoint(int steps, double nfe, double rmsError, double maxError) {
    }

    /** A fixed-step solver's sweep; {@code fittedOrder} is NaN with fewer than two points above the floor. */
    public record SolverResult(Solver solver, int theoreticalOrder, double fittedOrder, int fitPoints, List<ErrorPoint> points) {
    }

    public record TolerancePoint(double rtol, double meanNfe, int maxNfe, double rmsError, double maxError) {
    }

    private record Measured(double meanNfe, int maxNfe, double rmsError, double maxError) {
    }

    public static SolversReport run(AnalyticGaussianModel model, Options o) {
        long start = System.nanoTime();
        List<SolverResult> results = new ArrayList<>();
        for (Solver solver : Solver.values()) {
            if (solver.isAdaptive() || solver.isModelDefined()) continue;
            if (solver == Solver.FLOWMAP && !model.info().flowMap()) continue; // on a velocity model it is Euler again
            List<ErrorPoint> points = new ArrayList<>();
            for (int steps = 1; steps <= o.maxSteps(); steps *= 2) {
                SamplerConfig config = SamplerConfig.builder().optSolver(solver).optSteps(steps).build();
                Measured m = measure(model, config, o);
                points.add(new ErrorPoint(steps, m.meanNfe(), m.rmsError(), m.maxError()));
            }
            List<ErrorPoint> above = points.stream().filter(p -> p.rmsError() > FIT_FLOOR).toList();
            List<ErrorPoint> fit = above.subList(Math.max(0, above.size() - FIT_POINTS), above.size());
            results.add(new SolverResult(solver, solver.method().order(), fittedOrder(fit), fit.size(), points));
        }
        List<TolerancePoint> tolerances = new ArrayList<>();
        for (double rtol : o.rtols()) {
            SamplerConfig config = SamplerConfig.builder().optSolver(Solver.DOPRI5)
                    .optSolverParams(Map.of("rtol", rtol, "atol", rtol, "maxNfe", 4000.0)).build();
            Measured m = measure(model, config, o);
            tolerances.add(new TolerancePoint(rtol, m.meanNfe(), m.maxNfe(), m.rmsError(), m.maxError()));
        }
        return new SolversReport(model.info().name(), o, results, tolerances, (System.nanoTime() - start) / 1e9);
    }

    /** RMS and largest error over every sample and coordinate, and the evaluations spent. */
    private static Measured measure(AnalyticGaussianModel model, SamplerConfig config, Options o) {
        int dim = model.info().dim();
        int classes = model.info().numClasses();
        Sampler sampler = Sampler.of(config);
        List<SampleState> states = new ArrayList<>(o.samples());
        for (int i = 0; i < o.samples(); i++) states.add(sampler.newSample(dim, o.seed(), i, classes > 0 ? i % classes : -1));
        SampleRunner.runToCompletion(model, dim, states, 256);
        double sumSq = 0, max = 0, nfe = 0;
        int maxNfe = 0;
        for (int i = 0; i < states.size(); i++) {
            double[] x0 = GaussianNoise.initialNoise(o.seed(), i, dim);
            float[] result = states.get(i).result();
            double[] exact = exact(model, x0, classes > 0 ? i % classes : -1);
            for (int d = 0; d < dim; d++) {
                double e = result[d] - exact[d];
                sumSq += e * e;
                max = Math.max(max, Math.abs(e));
            }
            nfe += states.get(i).nfe();
            maxNfe = Math.max(maxNfe, states.get(i).nfe());
        }
        return new Measured(nfe / states.size(), maxNfe, Math.sqrt(sumSq / ((double) states.size() * dim)), max);
    }

    /** x(1) = μ + s·x0, computed in double from the double noise (the model's own transport takes floats). */
    private static double[] exact(AnalyticGaussianModel model, double[] x0, int label) {
        float[] mu = model.mean(label);
        double[] x = new double[x0.length];
        for (int d = 0; d < x0.length; d++) x[d] = mu[d] + model.std() * x0[d];
        return x;
    }

    /** −slope of log(error) against log(NFE), least squares. */
    static double fittedOrder(List<ErrorPoint> points) {
        int n = points.size();
        if (n < 2) return Double.NaN;
        double mx = 0, my = 0;
        for (ErrorPoint p : points) {
            mx += Math.log(p.nfe()) / n;
            my += Math.log(p.rmsError()) / n;
        }
        double sxy = 0, sxx = 0;
        for (ErrorPoint p : points) {
            double dx = Math.log(p.nfe()) - mx;
            sxy += dx * (Math.log(p.rmsError()) - my);
            sxx += dx * dx;
        }
        return -sxy / sxx;
    }
}
