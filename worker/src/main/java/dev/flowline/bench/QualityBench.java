package dev.flowline.bench;

import dev.flowline.model.ModelInfo;
import dev.flowline.model.VelocityModel;
import dev.flowline.sampling.BossOptimizer;
import dev.flowline.sampling.SampleRunner;
import dev.flowline.sampling.SampleState;
import dev.flowline.sampling.Sampler;
import dev.flowline.sampling.SamplerConfig;
import dev.flowline.sampling.SamplerLimits;
import dev.flowline.sampling.Solver;
import dev.flowline.sampling.TimeGrids;
import dev.flowline.sampling.VelocityField;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Sample quality against cost: for each solver, schedule and evaluation budget, a fixed seeded set of class-balanced,
 * guided samples is classified, and the Fréchet distance of its features to the reference statistics and its class
 * accuracy are reported, beside the same figures for a tight-tolerance dopri5 reference sampler.
 *
 * <p>Every point uses the same noises (seed, sample index i) and labels (i mod classes), so differences between
 * points are the solver's, not the draw's. Fixed-step solvers reach a budget exactly or not at all (Heun costs two
 * evaluations a step, so it has no 1-evaluation point). dopri5 chooses its own steps: per budget, the tolerance
 * (rtol = atol) whose mean evaluation count on a calibration subset is nearest is used, and the achieved count is
 * reported. The optimised schedule is a BOSS grid computed once per step count on the model's unconditional field
 * (one class-agnostic grid, as a model would ship it), scored with Euler steps.
 */
public final class QualityBench {
    public static final List<Solver> DEFAULT_SOLVERS = List.of(Solver.EULER, Solver.MIDPOINT, Solver.HEUN, Solver.RK4, Solver.DOPRI5);
    public static final List<String> SCHEDULES = List.of("uniform", "shifted", "optimised");
    public static final List<Integer> DEFAULT_NFES = List.of(1, 2, 4, 8, 16, 32);
    /** The budget of the key figure {@code best_fd_at_8_nfe / reference_fd}. */
    public static final int KEY_NFE = 8;
    private static final int BOSS_CANDIDATES = 64;
    private static final int BOSS_REFINE = 2;
    /** The reference sampler may need far more evaluations than a served job: its cap is the worker's limit. */
    private static final int REFERENCE_MAX_NFE = SamplerLimits.DEFAULT_MAX_NFE;

    /**
     * @param samplesPerPoint    samples per point (classes balanced)
     * @param solvers            solvers to sweep
     * @param schedules          of {@link #SCHEDULES}; adaptive solvers ignore them
     * @param nfes               evaluation budgets
     * @param guidanceScale      classifier-free guidance weight of every sample
     * @param shift              shift of the shifted schedule
     * @param seed               seed of the sample noises and the BOSS reference trajectories
     * @param referenceRtol      rtol = atol of the dopri5 reference sampler
     * @param bossSamples        reference trajectories per BOSS grid
     * @param calibrationSamples samples of the dopri5 tolerance calibration
     * @param maxBatchRows       rows per model call
     * @param clampToValueRange  clamp samples to the model's value range before classifying (as images are)
     */
    public record Options(int samplesPerPoint, List<Solver> solvers, List<String> schedules, List<Integer> nfes,
                          double guidanceScale, double shift, long seed, double referenceRtol, int bossSamples,
                          int calibrationSamples, int maxBatchRows, boolean clampToValueRange) {
        public Options {
            if (samplesPerPoint < 2) throw new IllegalArgumentException("samplesPerPoint must be >= 2 (a covariance needs two), got " + samplesPerPoint);
            solvers = List.copyOf(solvers);
            schedules = List.copyOf(schedules);
            nfes = List.copyOf(nfes);
            for (String s : schedules) {
                if (!SCHEDULES.contains(s)) throw new IllegalArgumentException("unknown schedule '" + s + "'; valid: " + SCHEDULES);
            }
            for (int n : nfes) if (n < 1) throw new IllegalArgumentException("NFE budgets must be >= 1, got " + n);
            if (!(referenceRtol > 0)) throw new IllegalArgumentException("referenceRtol must be > 0");
            if (bossSamples < 1 || calibrationSamples < 1) throw new IllegalArgumentException("bossSamples and calibrationSamples must be >= 1");
            if (maxBatchRows < 2) throw new IllegalArgumentException("maxBatchRows must be >= 2");
        }

        public static Options defaults(int samplesPerPoint, double guidanceScale) {
            return new Options(samplesPerPoint, DEFAULT_SOLVERS, SCHEDULES, DEFAULT_NFES, guidanceScale, 3.0, 20261122L,
                    1e-5, 32, 64, 256, true);
        }

        public Options withClamp(boolean clamp) {
            return new Options(samplesPerPoint, solvers, schedules, nfes, guidanceScale, shift, seed, referenceRtol,
                    bossSamples, calibrationSamples, maxBatchRows, clamp);
        }

        public Options withSweep(List<Solver> s, List<String> sched, List<Integer> n) {
            return new Options(samplesPerPoint, s, sched, n, guidanceScale, shift, seed, referenceRtol, bossSamples,
                    calibrationSamples, maxBatchRows, clampToValueRange);
        }

        public Options withBoss(int samples) {
            return new Options(samplesPerPoint, solvers, schedules, nfes, guidanceScale, shift, seed, referenceRtol,
                    samples, calibrationSamples, maxBatchRows, clampToValueRange);
        }

        public Options withReferenceRtol(double rtol) {
            return new Options(samplesPerPoint, solvers, schedules, nfes, guidanceScale, shift, seed, rtol, bossSamples,
                    calibrationSamples, maxBatchRows, clampToValueRange);
        }
    }

    /**
     * One evaluated sampler. A point whose grid equals an earlier point's of the same solver (every one-step grid; a
     * BOSS grid that came out uniform) reuses that point's samples, so its figures, rows and seconds are the same.
     *
     * @param schedule  uniform, shifted, optimised, or adaptive (dopri5)
     * @param targetNfe the budget asked for
     * @param nfe       mean evaluations per sample achieved
     * @param steps     grid steps (0 for dopri5)
     * @param rtol      dopri5's tolerance (NaN for fixed-step solvers)
     * @param fd        Fréchet distance to the reference statistics
     * @param accuracy  fraction classified as the class asked for
     * @param stoppedEarly samples an evaluation cap stopped before t = 1
     * @param rows      model rows spent
     * @param seconds   wall time of sampling and classifying
     */
    public record Point(Solver solver, String schedule, int targetNfe, double nfe, int steps, double rtol, double fd,
                        double accuracy, int stoppedEarly, long rows, double seconds) {
    }

    private final VelocityModel model;
    private final FeatureClassifier classifier;
    private final GaussianStats reference;
    private final Options o;
    private final PrintStream log;
    private final ModelInfo info;
    private final double guidance;
    private final int[] labels;

    private QualityBench(VelocityModel model, FeatureClassifier classifier, GaussianStats reference, Options o, PrintStream log) {
        this.model = model;
        this.classifier = classifier;
        this.reference = reference;
        this.o = o;
        this.log = log;
        this.info = model.info();
        // Guidance needs the null class; without one every sample is plainly conditional.
        this.guidance = info.supportsGuidance() ? o.guidanceScale() : 1.0;
        this.labels = new int[o.samplesPerPoint()];
        for (int i = 0; i < labels.length; i++) labels[i] = info.numClasses() > 0 ? i % info.numClasses() : VelocityField.NO_LABEL;
    }

    public static QualityReport run(VelocityModel model, FeatureClassifier classifier, GaussianStats reference,
                                    Options o, PrintStream log) {
        return new QualityBench(model, classifier, reference, o, log).run();
    }

    private QualityReport run() {
        long start = System.nanoTime();
        log.printf("quality: %d samples per point, guidance %.2f, classifier %s; fixed-step points cost %,d model rows%n",
                o.samplesPerPoint(), guidance, classifier.describe(), plannedFixedStepRows());
        Point ref = evaluate(Solver.DOPRI5, "adaptive", 0, null, o.referenceRtol(), REFERENCE_MAX_NFE);
        log.printf("reference dopri5 rtol %.0e: FD %.4f, accuracy %.3f, %.1f NFE (%.0f s)%n", o.referenceRtol(), ref.fd(), ref.accuracy(), ref.nfe(), ref.seconds());
        double rowsPerSecond = ref.rows() / ref.seconds();
        log.printf("at the reference's pace (%.0f rows/s) the fixed-step points take about %.0f min%n", rowsPerSecond,
                plannedFixedStepRows() / rowsPerSecond / 60);

        long bossStart = System.nanoTime();
        Map<Integer, double[]> bossGrids = bossGrids();
        double bossSeconds = (System.nanoTime() - bossStart) / 1e9;

        List<Point> points = new ArrayList<>();
        Map<String, Point> done = new HashMap<>();
        for (Solver solver : o.solvers()) {
            if (solver.isAdaptive()) {
                points.addAll(adaptivePoints(solver, done));
                continue;
            }
            int stages = solver.method().evaluations(1);
            for (String schedule : o.schedules()) {
                for (int nfe : o.nfes()) {
                    if (nfe % stages != 0) continue;
                    int steps = nfe / stages;
                    double[] grid = switch (schedule) {
                        case "uniform" -> TimeGrids.uniform(steps);
                        case "shifted" -> TimeGrids.shifted(steps, o.shift());
                        default -> bossGrids.get(steps);
                    };
                    String key = solver.id() + Arrays.toString(grid);
                    Point p = done.get(key);
                    if (p == null) {
                        p = evaluate(solver, schedule, nfe, grid, Double.NaN, 0);
                        done.put(key, p);
                    }
                    Point point = new Point(solver, schedule, nfe, p.nfe(), steps, Double.NaN, p.fd(), p.accuracy(), p.stoppedEarly(), p.rows(), p.seconds());
                    points.add(point);
                    log.printf("  %-8s %-9s NFE %3d: FD %10.4f  accuracy %.3f  (%.1f s)%n", solver.id(), schedule, nfe, point.fd(), point.accuracy(), point.seconds());
                }
            }
        }
        return new QualityReport(info.name(), o, guidance, classifier.describe(), ref, points, bossGrids, bossSeconds,
                (System.nanoTime() - start) / 1e9);
    }

    /** Model rows of the fixed-step points (one-step points are shared by the schedules, as they run once). */
    long plannedFixedStepRows() {
        long evaluations = 0;
        for (Solver solver : o.solvers()) {
            if (solver.isAdaptive()) continue;
            int stages = solver.method().evaluations(1);
            for (int nfe : o.nfes()) {
                if (nfe % stages != 0) continue;
                evaluations += nfe == stages ? nfe : (long) nfe * o.schedules().size();
            }
        }
        int rowsPerEvaluation = guidance != 1.0 && guidance != 0.0 && info.numClasses() > 0 ? 2 : 1;
        return evaluations * rowsPerEvaluation * o.samplesPerPoint();
    }

    /** One BOSS grid per step count that an optimised point needs (one step needs none: its grid is [0, 1]). */
    private Map<Integer, double[]> bossGrids() {
        Map<Integer, double[]> grids = new LinkedHashMap<>();
        if (!o.schedules().contains("optimised")) return grids;
        int label = info.supportsGuidance() || info.numClasses() == 0 ? VelocityField.NO_LABEL : 0;
        for (Solver solver : o.solvers()) {
            if (solver.isAdaptive()) continue;
            int stages = solver.method().evaluations(1);
            for (int nfe : o.nfes()) {
                if (nfe % stages != 0 || grids.containsKey(nfe / stages)) continue;
                int steps = nfe / stages;
                if (steps == 1) {
                    grids.put(1, new double[] {0.0, 1.0});
                    continue;
                }
                long t0 = System.nanoTime();
                double[] grid = BossOptimizer.optimise(model, info.dim(), label, o.seed(), o.bossSamples(), steps,
                        new BossOptimizer.Options(Math.max(BOSS_CANDIDATES, steps), BOSS_REFINE, Solver.EULER, o.maxBatchRows()));
                grids.put(steps, grid);
                log.printf("BOSS grid, %d steps (%.1f s): %s%n", steps, (System.nanoTime() - t0) / 1e9, formatGrid(grid));
            }
        }
        return grids;
    }

    /** dopri5 at each budget it can reach, through a tolerance calibrated on a subset of the samples. */
    private List<Point> adaptivePoints(Solver solver, Map<String, Point> done) {
        List<double[]> sweep = new ArrayList<>(); // {rtol, mean nfe}
        int calibration = Math.min(o.calibrationSamples(), o.samplesPerPoint());
        int largestTarget = o.nfes().stream().mapToInt(Integer::intValue).max().orElse(1);
        // From loose to tight, half a decade at a time, until past twice the largest budget: tighter ones cost more
        // and cannot be nearer.
        for (int k = 0; k <= 16; k++) {
            double rtol = Math.pow(10, -k / 2.0);
            List<SampleState> states = states(adaptiveConfig(solver, rtol, 0), calibration);
            SampleRunner.runToCompletion(model, info.dim(), states, o.maxBatchRows());
            sweep.add(new double[] {rtol, meanNfe(states)});
            if (meanNfe(states) > 2.0 * largestTarget) break;
        }
        log.printf("dopri5 calibration on %d samples (rtol: mean NFE): %s%n", calibration, sweep.stream()
                .map(s -> String.format("%.0e: %.1f", s[0], s[1])).collect(java.util.stream.Collectors.joining(", ")));
        List<Point> points = new ArrayList<>();
        for (int target : o.nfes()) {
            double[] best = sweep.getFirst();
            for (double[] s : sweep) {
                if (Math.abs(Math.log(s[1] / target)) < Math.abs(Math.log(best[1] / target))) best = s;
            }
            String key = solver.id() + "@" + best[0];
            Point p = done.get(key);
            if (p == null) {
                p = evaluate(solver, "adaptive", target, null, best[0], 0);
                done.put(key, p);
            }
            Point point = new Point(solver, "adaptive", target, p.nfe(), 0, best[0], p.fd(), p.accuracy(), p.stoppedEarly(), p.rows(), p.seconds());
            points.add(point);
            log.printf("  %-8s rtol %.0e  NFE %3d (achieved %.1f): FD %10.4f  accuracy %.3f  (%.1f s)%n", solver.id(), best[0], target, point.nfe(), point.fd(), point.accuracy(), point.seconds());
        }
        return points;
    }

    private SamplerConfig adaptiveConfig(Solver solver, double rtol, int maxNfe) {
        Map<String, Double> params = new HashMap<>(Map.of("rtol", rtol, "atol", rtol));
        if (maxNfe > 0) params.put("maxNfe", (double) maxNfe);
        return SamplerConfig.builder().optSolver(solver).optGuidanceScale(guidance).optSolverParams(params).build();
    }

    private Point evaluate(Solver solver, String schedule, int targetNfe, double[] grid, double rtol, int maxNfe) {
        SamplerConfig config = grid != null
                ? SamplerConfig.builder().optSolver(solver).optTimes(grid).optGuidanceScale(guidance).build()
                : adaptiveConfig(solver, rtol, maxNfe);
        long t0 = System.nanoTime();
        List<SampleState> states = states(config, o.samplesPerPoint());
        SampleRunner.RunStats stats = SampleRunner.runToCompletion(model, info.dim(), states, o.maxBatchRows());
        List<float[]> samples = new ArrayList<>(states.size());
        int stoppedEarly = 0;
        for (SampleState s : states) {
            if (s.time() < 1.0) stoppedEarly++;
            samples.add(o.clampToValueRange() ? clamp(s.result()) : s.result());
        }
        FeatureClassifier.Classified c = classifier.classify(samples);
        double fd = FrechetDistance.between(GaussianStats.of(c.features()), reference);
        double accuracy = Double.NaN;
        if (info.numClasses() > 0) {
            int right = 0;
            for (int i = 0; i < labels.length; i++) if (c.predicted()[i] == labels[i]) right++;
            accuracy = right / (double) labels.length;
        }
        int steps = grid == null ? 0 : grid.length - 1;
        return new Point(solver, schedule, targetNfe, meanNfe(states), steps, rtol, fd, accuracy, stoppedEarly,
                stats.rows(), (System.nanoTime() - t0) / 1e9);
    }

    private List<SampleState> states(SamplerConfig config, int n) {
        Sampler sampler = Sampler.of(config);
        List<SampleState> states = new ArrayList<>(n);
        for (int i = 0; i < n; i++) states.add(sampler.newSample(info.dim(), o.seed(), i, labels[i]));
        return states;
    }

    private float[] clamp(float[] x) {
        float lo = (float) info.valueRange().min(), hi = (float) info.valueRange().max();
        for (int i = 0; i < x.length; i++) x[i] = Math.clamp(x[i], lo, hi);
        return x;
    }

    private static double meanNfe(List<SampleState> states) {
        double sum = 0;
        for (SampleState s : states) sum += s.nfe();
        return sum / states.size();
    }

    static String formatGrid(double[] grid) {
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < grid.length; i++) b.append(i == 0 ? "" : ", ").append(String.format("%.4f", grid[i]));
        return b.append("]").toString();
    }
}
