package dev.flowline.bench;

import dev.flowline.model.LatentDecoder;
import dev.flowline.model.ModelInfo;
import dev.flowline.model.VelocityModel;
import dev.flowline.sampling.BespokeSolver;
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
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Sample quality against cost: for each solver, schedule and evaluation budget, a fixed seeded set of class-balanced,
 * guided samples is classified, and the Fréchet distance of its features to the reference statistics and its class
 * accuracy are reported, beside the same figures for a tight-tolerance dopri5 reference sampler and the data floor
 * (the FD of as many real images, which shows the estimator's bias at this sample count).
 *
 * <p>Every point uses the same noises (seed, sample index i) and labels (i mod classes), so differences between
 * points are the solver's, not the draw's. Fixed-step solvers reach a budget exactly or not at all (Heun costs two
 * evaluations a step, so it has no 1-evaluation point). dopri5 chooses its own steps: per budget, the tolerance
 * (rtol = atol) whose mean evaluation count on a calibration subset is nearest is used, and the achieved count is
 * reported. Schedules: {@code uniform}, {@code shifted}, and {@code optimised} = the grid the model ships for that
 * solver and step count ({@code boss-<solver>-<steps>}, made offline by {@code models optimise-schedule} for that
 * solver at the model's guidance; points without one are left out). The model's learned solvers
 * ({@code bespoke}) and, when given, a flow-map model's {@code flowmap} steps are points of their own.
 */
public final class QualityBench {
    public static final List<Solver> DEFAULT_SOLVERS = List.of(Solver.EULER, Solver.MIDPOINT, Solver.HEUN, Solver.RK4, Solver.DOPRI5);
    public static final List<Solver> FULL_SOLVERS = List.of(Solver.EULER, Solver.MIDPOINT, Solver.HEUN, Solver.RALSTON3,
            Solver.RK4, Solver.AB2, Solver.AB3, Solver.DOPRI5);
    public static final List<String> SCHEDULES = List.of("uniform", "shifted", "optimised");
    /** The bounded default sweep (a few minutes on 2 cores at 200 samples). */
    public static final List<Integer> DEFAULT_NFES = List.of(2, 4, 8);
    /** {@code --full}: the trustworthy sweep (run it in the background). */
    public static final List<Integer> FULL_NFES = List.of(1, 2, 4, 8, 16);
    public static final int DEFAULT_SAMPLES = 200;
    public static final int FULL_SAMPLES = 1000;
    /** The budget of the key figure {@code best_fd_at_8_nfe / reference_fd}. */
    public static final int KEY_NFE = 8;
    /** The reference sampler may need far more evaluations than a served job: its cap is the worker's limit. */
    private static final int REFERENCE_MAX_NFE = SamplerLimits.DEFAULT_MAX_NFE;

    /**
     * @param samplesPerPoint    samples per point (classes balanced)
     * @param solvers            solvers to sweep
     * @param schedules          of {@link #SCHEDULES}; adaptive solvers ignore them
     * @param nfes               evaluation budgets
     * @param guidanceScale      classifier-free guidance weight of every sample
     * @param shift              shift of the shifted schedule
     * @param seed               seed of the sample noises
     * @param referenceRtol      rtol = atol of the dopri5 reference sampler
     * @param calibrationSamples samples of the dopri5 tolerance calibration
     * @param maxBatchRows       rows per model call
     * @param clampToValueRange  clamp samples to the model's value range before classifying (as images are)
     * @param bespoke            include the model's learned (bespoke) solvers
     */
    public record Options(int samplesPerPoint, List<Solver> solvers, List<String> schedules, List<Integer> nfes,
                          double guidanceScale, double shift, long seed, double referenceRtol,
                          int calibrationSamples, int maxBatchRows, boolean clampToValueRange, boolean bespoke) {
        public Options {
            if (samplesPerPoint < 2) throw new IllegalArgumentException("samplesPerPoint must be >= 2 (a covariance needs two), got " + samplesPerPoint);
            solvers = List.copyOf(solvers);
            schedules = List.copyOf(schedules);
            nfes = List.copyOf(nfes);
            for (String s : schedules) {
                if (!SCHEDULES.contains(s)) throw new IllegalArgumentException("unknown schedule '" + s + "'; valid: " + SCHEDULES);
            }
            for (Solver s : solvers) {
                if (s.isModelDefined()) throw new IllegalArgumentException("bespoke solvers come from the model; they are points of their own");
            }
            for (int n : nfes) if (n < 1) throw new IllegalArgumentException("NFE budgets must be >= 1, got " + n);
            if (!(referenceRtol > 0)) throw new IllegalArgumentException("referenceRtol must be > 0");
            if (calibrationSamples < 1) throw new IllegalArgumentException("calibrationSamples must be >= 1");
            if (maxBatchRows < 2) throw new IllegalArgumentException("maxBatchRows must be >= 2");
        }

        public static Options defaults(int samplesPerPoint, double guidanceScale) {
            return new Options(samplesPerPoint, DEFAULT_SOLVERS, SCHEDULES, DEFAULT_NFES, guidanceScale, 3.0, 20261122L,
                    1e-5, 64, 256, true, true);
        }

        public Options withClamp(boolean clamp) {
            return new Options(samplesPerPoint, solvers, schedules, nfes, guidanceScale, shift, seed, referenceRtol,
                    calibrationSamples, maxBatchRows, clamp, bespoke);
        }

        public Options withSweep(List<Solver> s, List<String> sched, List<Integer> n) {
            return new Options(samplesPerPoint, s, sched, n, guidanceScale, shift, seed, referenceRtol,
                    calibrationSamples, maxBatchRows, clampToValueRange, bespoke);
        }

        public Options withReferenceRtol(double rtol) {
            return new Options(samplesPerPoint, solvers, schedules, nfes, guidanceScale, shift, seed, rtol,
                    calibrationSamples, maxBatchRows, clampToValueRange, bespoke);
        }
    }

    /**
     * One evaluated sampler. A point whose grid equals an earlier point's of the same solver (every one-step grid)
     * reuses that point's samples, so its figures, rows and seconds are the same.
     *
     * @param solver    the solver
     * @param name      what ran: the solver id, a bespoke solver's own name, or {@code flowmap}
     * @param model     the model that ran it
     * @param schedule  uniform, shifted, optimised, adaptive (dopri5) or learned (bespoke)
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
    public record Point(Solver solver, String name, String model, String schedule, int targetNfe, double nfe, int steps,
                        double rtol, double fd, double accuracy, int stoppedEarly, long rows, double seconds) {
        Point as(String schedule, int targetNfe) {
            return new Point(solver, name, model, schedule, targetNfe, nfe, steps, rtol, fd, accuracy, stoppedEarly, rows, seconds);
        }
    }

    /** Extra models evaluated beside the main one, with the same classifier, noises and labels. */
    /**
     * @param decoder the main model's decoder (a latent model): its samples are decoded, as the worker does, before
     *                they are classified; the classifier and the real images are then in the decoder's pixel space
     */
    public record Extras(Optional<VelocityModel> flowMap, Optional<VelocityModel> baseline, Optional<float[][]> realImages,
                         Optional<LatentDecoder> decoder) {
        public static final Extras NONE = new Extras(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());

        public Extras(Optional<VelocityModel> flowMap, Optional<VelocityModel> baseline, Optional<float[][]> realImages) {
            this(flowMap, baseline, realImages, Optional.empty());
        }
    }

    /** Rows per decoder call when decoding a point's samples. */
    private static final int DECODE_ROWS = 64;

    private final VelocityModel model;
    private final FeatureClassifier classifier;
    private final GaussianStats reference;
    private final Options o;
    private final PrintStream log;
    private final ModelInfo info;
    private final double guidance;
    private final int[] labels;
    private long rowsSpent;
    /** The main model's decoder, or null for a pixel model. */
    private LatentDecoder decoder;

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
        return run(model, classifier, reference, o, Extras.NONE, log);
    }

    public static QualityReport run(VelocityModel model, FeatureClassifier classifier, GaussianStats reference,
                                    Options o, Extras extras, PrintStream log) {
        return new QualityBench(model, classifier, reference, o, log).run(extras);
    }

    private QualityReport run(Extras extras) {
        this.decoder = extras.decoder().orElse(null);
        long start = System.nanoTime();
        log.printf("quality: %d samples per point, guidance %.2f, classifier %s%n", o.samplesPerPoint(), guidance, classifier.describe());
        Double dataFloor = extras.realImages().map(this::dataFloor).orElse(null);
        if (dataFloor != null) log.printf("data floor: FD of %d real images = %.4f%n", o.samplesPerPoint(), dataFloor);

        Point ref = evaluate(model, Solver.DOPRI5, "dopri5", "adaptive", 0, adaptiveConfig(Solver.DOPRI5, o.referenceRtol(), REFERENCE_MAX_NFE));
        log.printf("reference dopri5 rtol %.0e: FD %.4f, accuracy %.3f, %.1f NFE (%.0f s)%n", o.referenceRtol(), ref.fd(), ref.accuracy(), ref.nfe(), ref.seconds());
        Point baseline = extras.baseline().map(b -> {
            Point p = evaluate(b, Solver.DOPRI5, "dopri5", "adaptive", 0, adaptiveConfig(Solver.DOPRI5, o.referenceRtol(), REFERENCE_MAX_NFE));
            log.printf("baseline model %s, same reference sampler: FD %.4f, accuracy %.3f, %.1f NFE%n", b.info().name(), p.fd(), p.accuracy(), p.nfe());
            return p;
        }).orElse(null);

        List<Point> points = new ArrayList<>();
        Map<String, Point> done = new HashMap<>();
        for (Solver solver : o.solvers()) {
            if (solver.isAdaptive()) {
                points.addAll(adaptivePoints(solver, done));
                continue;
            }
            for (String schedule : o.schedules()) {
                for (int nfe : o.nfes()) {
                    int steps = stepsFor(solver, nfe);
                    if (steps < 1) continue;
                    double[] grid = switch (schedule) {
                        case "uniform" -> TimeGrids.uniform(steps);
                        case "shifted" -> TimeGrids.shifted(steps, o.shift());
                        default -> shippedGrid(solver, steps).orElse(null);
                    };
                    if (grid == null) continue;
                    String key = solver.id() + Arrays.toString(grid);
                    Point p = done.get(key);
                    if (p == null) {
                        p = evaluate(model, solver, solver.id(), schedule, nfe, SamplerConfig.builder().optSolver(solver)
                                .optTimes(grid).optGuidanceScale(guidance).build());
                        done.put(key, p);
                    }
                    points.add(logged(p.as(schedule, nfe)));
                }
            }
        }
        if (o.bespoke()) {
            for (BespokeSolver b : info.bespokeSolvers()) {
                SamplerConfig c = SamplerConfig.builder().optSolver(Solver.BESPOKE).optSchedule(b.name(), null).optGuidanceScale(guidance).build();
                points.add(logged(evaluate(model, Solver.BESPOKE, b.name(), "learned", b.evaluations(), c)));
            }
        }
        extras.flowMap().ifPresent(map -> {
            // The flow map bakes its guidance in (its manifest says so): one conditional row per step.
            for (int nfe : List.of(1, 2, 4)) {
                SamplerConfig c = SamplerConfig.builder().optSolver(Solver.FLOWMAP).optSteps(nfe).build();
                points.add(logged(evaluate(map, Solver.FLOWMAP, "flowmap", "uniform", nfe, c)));
            }
        });
        return new QualityReport(info.name(), o, guidance, classifier.describe(), ref, points, dataFloor, baseline,
                (System.nanoTime() - start) / 1e9);
    }

    private Point logged(Point p) {
        log.printf("  %-20s %-9s NFE %3d: FD %10.4f  accuracy %.3f  (%.1f s)%n", p.name(), p.schedule(), p.targetNfe(), p.fd(), p.accuracy(), p.seconds());
        return p;
    }

    /** Grid steps whose cost is exactly {@code nfe}, or 0 when none is. */
    static int stepsFor(Solver solver, int nfe) {
        for (int steps = 1; steps <= nfe; steps++) {
            if (solver.method().evaluations(steps) == nfe) return steps;
        }
        return 0;
    }

    /** The grid the model ships for this solver and step count: {@code boss-<solver>-<steps>} (Euler also {@code boss-<steps>}). */
    private Optional<double[]> shippedGrid(Solver solver, int steps) {
        Optional<double[]> g = info.schedule("boss-" + solver.id() + "-" + steps);
        if (g.isEmpty() && solver == Solver.EULER) g = info.schedule("boss-" + steps);
        return g;
    }

    /** FD of real images (as many as samples per point) against the reference statistics: the estimator's floor. */
    private double dataFloor(float[][] images) {
        int n = Math.min(images.length, o.samplesPerPoint());
        List<float[]> sample = Arrays.asList(images).subList(0, n);
        return FrechetDistance.between(GaussianStats.of(classifier.classify(sample).features()), reference);
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
            SampleRunner.RunStats stats = SampleRunner.runToCompletion(model, info.dim(), states, o.maxBatchRows());
            rowsSpent += stats.rows();
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
                p = evaluate(model, solver, solver.id(), "adaptive", target, adaptiveConfig(solver, best[0], 0));
                done.put(key, p);
            }
            points.add(logged(p.as("adaptive", target)));
        }
        return points;
    }

    private SamplerConfig adaptiveConfig(Solver solver, double rtol, int maxNfe) {
        Map<String, Double> params = new HashMap<>(Map.of("rtol", rtol, "atol", rtol));
        if (maxNfe > 0) params.put("maxNfe", (double) maxNfe);
        return SamplerConfig.builder().optSolver(solver).optGuidanceScale(guidance).optSolverParams(params).build();
    }

    private Point evaluate(VelocityModel m, Solver solver, String name, String schedule, int targetNfe, SamplerConfig config) {
        long t0 = System.nanoTime();
        Sampler sampler = Sampler.of(config, m.info().samplerCatalog());
        List<SampleState> states = new ArrayList<>(labels.length);
        for (int i = 0; i < labels.length; i++) states.add(sampler.newSample(info.dim(), o.seed(), i, labels[i]));
        SampleRunner.RunStats stats = SampleRunner.runToCompletion(m, info.dim(), states, o.maxBatchRows());
        rowsSpent += stats.rows();
        List<float[]> samples = new ArrayList<>(states.size());
        int stoppedEarly = 0;
        boolean decode = decoder != null && m == model;
        for (SampleState s : states) {
            if (s.time() < 1.0) stoppedEarly++;
            samples.add(o.clampToValueRange() && !decode ? clamp(s.result(), info.valueRange()) : s.result());
        }
        if (decode) samples = decoded(samples);
        FeatureClassifier.Classified c = classifier.classify(samples);
        double fd = FrechetDistance.between(GaussianStats.of(c.features()), reference);
        double accuracy = Double.NaN;
        if (info.numClasses() > 0) {
            int right = 0;
            for (int i = 0; i < labels.length; i++) if (c.predicted()[i] == labels[i]) right++;
            accuracy = right / (double) labels.length;
        }
        return new Point(solver, name, m.info().name(), schedule, targetNfe, meanNfe(states), sampler.steps(),
                solver.isAdaptive() ? config.adaptive().rtol() : Double.NaN, fd, accuracy, stoppedEarly, stats.rows(),
                (System.nanoTime() - t0) / 1e9);
    }

    private List<SampleState> states(SamplerConfig config, int n) {
        Sampler sampler = Sampler.of(config);
        List<SampleState> states = new ArrayList<>(n);
        for (int i = 0; i < n; i++) states.add(sampler.newSample(info.dim(), o.seed(), i, labels[i]));
        return states;
    }

    /** The latents decoded in calls of up to {@link #DECODE_ROWS} rows, clamped to the decoder's range if asked. */
    private List<float[]> decoded(List<float[]> latents) {
        int in = decoder.inputDim(), outDim = decoder.outputDim();
        List<float[]> images = new ArrayList<>(latents.size());
        for (int from = 0; from < latents.size(); from += DECODE_ROWS) {
            int rows = Math.min(DECODE_ROWS, latents.size() - from);
            float[] x = new float[rows * in], y = new float[rows * outDim];
            for (int r = 0; r < rows; r++) System.arraycopy(latents.get(from + r), 0, x, r * in, in);
            decoder.run(rows, x, y);
            for (int r = 0; r < rows; r++) {
                float[] image = Arrays.copyOfRange(y, r * outDim, (r + 1) * outDim);
                images.add(o.clampToValueRange() ? clamp(image, decoder.stage().valueRange()) : image);
            }
        }
        return images;
    }

    private static float[] clamp(float[] x, ModelInfo.ValueRange range) {
        float lo = (float) range.min(), hi = (float) range.max();
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
