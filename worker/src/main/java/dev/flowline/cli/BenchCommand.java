package dev.flowline.cli;

import dev.flowline.batching.OrderingPolicy;
import dev.flowline.batching.SchedulerOptions;
import dev.flowline.batching.SimulatedDevice;
import dev.flowline.bench.AnalyticClassifier;
import dev.flowline.bench.BatchingBench;
import dev.flowline.bench.BatchingReport;
import dev.flowline.bench.BatchingRepeats;
import dev.flowline.bench.BenchJson;
import dev.flowline.bench.FeatureClassifier;
import dev.flowline.bench.GaussianStats;
import dev.flowline.bench.IdxImages;
import dev.flowline.bench.MachineInfo;
import dev.flowline.bench.OnnxClassifier;
import dev.flowline.bench.QualityBench;
import dev.flowline.bench.QualityReport;
import dev.flowline.bench.QualityTable;
import dev.flowline.bench.SchedulerFactory;
import dev.flowline.bench.SimulatedBatching;
import dev.flowline.bench.WorkloadMix;
import dev.flowline.bench.SolversBench;
import dev.flowline.bench.SolversReport;
import dev.flowline.model.AnalyticGaussianModel;
import dev.flowline.model.DeviceMode;
import dev.flowline.model.ModelInfo;
import dev.flowline.model.ModelManifest;
import dev.flowline.model.ModelRegistry;
import dev.flowline.model.ModelRegistryOptions;
import dev.flowline.model.ModelRuntimeOptions;
import dev.flowline.model.VelocityModel;
import dev.flowline.sampling.Solver;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * {@code bench batching | quality | solvers}: in-process benchmarks (no Kafka). Each writes its figures as JSON, PNG
 * plots beside it, and a short summary on stdout; progress goes to stderr. Tests never time anything: the figures
 * these commands print are ratios and curves measured side by side in one run.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, version = "flowline bench 0.1.0",
        description = "In-process benchmarks: batching throughput and latency, sample quality vs NFE, solver convergence.",
        subcommands = {BenchCommand.Batching.class, BenchCommand.Quality.class, BenchCommand.Solvers.class})
public final class BenchCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(System.err);
        return 2;
    }

    /** Where the figures go. */
    static final class Output {
        @Option(names = "--json", required = true, paramLabel = "FILE", description = "JSON file of the figures.")
        Path json;

        @Option(names = "--out", paramLabel = "DIR", description = "Folder of the PNG plots (default: the JSON file's folder).")
        Path out;

        Path plotDir() {
            if (out != null) return out;
            Path parent = json.toAbsolutePath().getParent();
            return parent == null ? Path.of(".") : parent;
        }

        void write(Map<String, Object> json, List<Path> plots, String summary) throws IOException {
            BenchJson.write(this.json, json);
            System.out.print(summary);
            System.out.println("wrote " + this.json);
            for (Path p : plots) System.out.println("wrote " + p);
        }
    }

    @Command(name = "batching", mixinStandardHelpOptions = true,
            description = "Raw model throughput, closed-loop scheduler throughput, and open-loop Poisson latency per batching mode.")
    static final class Batching implements Callable<Integer> {
        @Mixin Output output;
        @Mixin ModelChoice modelChoice;

        @Option(names = "--seconds", defaultValue = "10", description = "Length of each measured phase (default ${DEFAULT-VALUE}).")
        double seconds;

        @Option(names = "--drain-seconds", description = "How long a mode may run past the trace before it is cut off (default: --seconds, at least 1).")
        Double drainSeconds;

        @Option(names = "--load", defaultValue = "0.7", description = "Open-loop arrival rate as a fraction of the measured capacity (default ${DEFAULT-VALUE}).")
        double load;

        @Option(names = "--min-trace-jobs", defaultValue = "200", description = "Lengthen the trace (up to 10x --seconds) until this many jobs are expected (default ${DEFAULT-VALUE}).")
        int minTraceJobs;

        @Option(names = "--max-batch-rows", defaultValue = "64", description = "Scheduler maxBatchRows (default ${DEFAULT-VALUE}).")
        int maxBatchRows;

        @Option(names = "--max-delay-us", defaultValue = "200", description = "Scheduler maxDelayMicros (default ${DEFAULT-VALUE}).")
        long maxDelayMicros;

        @Option(names = "--seed", defaultValue = "20261122")
        long seed;

        @Option(names = "--policy", defaultValue = "LEAST_SLACK_FIRST",
                description = "CONTINUOUS ordering policy: ${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE}).")
        OrderingPolicy policy;

        @Option(names = "--simulate", description = "Only the simulated device: exact, repeatable, no wall-clock phases "
                + "(the cost is --cost-from, the analytic model's busy-spin, or the model measured alone per batch size).")
        boolean simulateOnly;

        @Option(names = "--cost-from", paramLabel = "FILE", description = "Simulated device's cost: raw_by_batch of an earlier bench batching JSON.")
        Path costFrom;

        @Option(names = "--loads", split = ",", description = "Loads of the simulated sweep (default 0.3,0.5,0.7,0.9,1.1; --load is the headline).")
        List<Double> loads;

        @Option(names = "--sim-jobs", defaultValue = "2000", description = "Jobs per simulated trace, at least (default ${DEFAULT-VALUE}).")
        int simJobs;

        @Option(names = "--sim-seeds", defaultValue = "3", description = "Simulated traces per load (seeds --seed, --seed + 1, ...): "
                + "the headline ratios are their medians, each trace's are under 'simulated.seeds' (default ${DEFAULT-VALUE}).")
        int simSeeds;

        @Option(names = "--baseline-model", paramLabel = "NAME", description = "Also measure this model side by side (alone at "
                + "--max-batch-rows, and in a closed loop of the same mix): the JSON's 'baseline' says how much cheaper the "
                + "model's rows and jobs are, e.g. fashion-mnist-latent against fashion-mnist.")
        String baselineModel;

        @Option(names = "--quality-from", paramLabel = "FILE", description = "A bench quality JSON whose FD of the step counts "
                + "the adaptive jobs ran goes in 'adaptive_steps' (fd_adaptive, fd_fixed; default: " + DEFAULT_QUALITY
                + " when it exists here).")
        Path qualityFrom;

        /** The committed table that covers the default mix's ranged kind (rk4, uniform, 4-32 steps, unguided). */
        static final String DEFAULT_QUALITY = "docs/bench/quality-rk4-unguided.json";

        @Option(names = "--repeat", defaultValue = "1", description = "Wall-clock runs, side by side (this machine's timings vary 2-5x): "
                + "the JSON is the median run's (by overall p99 ratio), with every run's ratios and their medians under 'repeats' "
                + "(default ${DEFAULT-VALUE}).")
        int repeat;

        @Override
        public Integer call() throws Exception {
            try (LoadedModel m = modelChoice.load()) {
                SchedulerOptions scheduler = SchedulerOptions.defaults().withMaxBatchRows(maxBatchRows).withMaxDelayMicros(maxDelayMicros)
                        .withPolicy(policy);
                SimulatedBatching.Options sim = new SimulatedBatching.Options(loads == null ? SimulatedBatching.DEFAULT_LOADS : loads,
                        load, simJobs, seed, scheduler, WorkloadMix.DEFAULT, List.of(OrderingPolicy.values())).withQuality(qualityTable())
                        .withSeeds(simSeeds);
                if (simulateOnly) {
                    SimulatedDevice.CostModel cost = simulatedCost(m, () -> BatchingBench.measureCostCurve(m.model(),
                            BatchingBench.DEFAULT_BATCH_SIZES, Math.max(0.05, seconds / 4), seed, System.err));
                    Map<String, Object> simulated = SimulatedBatching.run(m.model().info(), cost, costName(), sim, output.plotDir(), System.err);
                    Map<String, Object> json = new java.util.LinkedHashMap<>();
                    json.put("policy", policy.name());
                    json.put("simulated", simulated);
                    json.put("adaptive_steps", simulated.get("adaptive_steps"));
                    json.put("dedup", simulated.get("dedup"));
                    json.put("machine", m.machine());
                    output.write(json, List.of(Path.of((String) simulated.get("plots"))), simulatedSummary(simulated));
                    return 0;
                }
                BatchingBench.Options o = BatchingBench.Options.defaults(seconds).withScheduler(scheduler).withLoadFraction(load).withSeed(seed)
                        .withMinTraceJobs(minTraceJobs);
                if (drainSeconds != null) o = o.withDrainSeconds(drainSeconds);
                if (repeat < 1) throw new CliErrors.UserError("--repeat must be >= 1, got " + repeat);
                // A latent model's jobs are decoded as the worker decodes them; the decode figures go under 'decode'.
                dev.flowline.model.LatentDecoder decoder = m.registry() == null ? null
                        : m.registry().decoder(m.model().info().name()).orElse(null);
                VelocityModel baseline = null;
                if (baselineModel != null) {
                    if (m.registry() == null) throw new CliErrors.UserError("--baseline-model needs a registry model, not " + modelChoice.name);
                    baseline = m.registry().get(baselineModel);
                }
                BatchingBench.Extras extras = new BatchingBench.Extras(decoder, baseline);
                List<BatchingReport> runs = new ArrayList<>();
                for (int i = 0; i < repeat; i++) {
                    if (repeat > 1) System.err.printf("wall-clock run %d of %d%n", i + 1, repeat);
                    runs.add(BatchingBench.run(m.model(), extras, o, SchedulerFactory.DEFAULT, System.err));
                }
                BatchingReport report = BatchingRepeats.median(runs);
                SimulatedDevice.CostModel cost = simulatedCost(m, () -> BatchingBench.costCurve(report.rawByBatch()));
                Map<String, Object> simulated = SimulatedBatching.run(m.model().info(), cost, costName(), sim, output.plotDir(), System.err);
                List<Path> plots = new ArrayList<>(report.writePlots(output.plotDir()));
                plots.add(Path.of((String) simulated.get("plots")));
                Map<String, Object> json = report.toJson(m.machine(), simulated);
                json.put("adaptive_steps", simulated.get("adaptive_steps")); // simulated: exact at a load past capacity
                json.put("dedup", simulated.get("dedup")); // simulated: rows counted exactly, bytes compared
                json.put("preview_overhead_ratio", report.previewOverheadRatio());
                String summary = report.summary() + simulatedSummary(simulated);
                if (runs.size() > 1) {
                    Map<String, Object> repeats = BatchingRepeats.json(runs, simulated);
                    json.put("repeats", repeats);
                    summary += String.format("median of %d runs: p99 continuous / request = %.3f (simulated %.3f), by kind %s%n", runs.size(),
                            (Double) repeats.get("median_p99_ratio_continuous_vs_request"),
                            (Double) simulated.get("p99_ratio_continuous_vs_request"), repeats.get("median_p99_ratio_by_kind"));
                }
                output.write(json, plots, summary);
            }
            return 0;
        }

        /** --quality-from, else the committed table when run from the repository root, else none (with the reason). */
        private QualityTable qualityTable() {
            if (qualityFrom != null && !Files.isRegularFile(qualityFrom)) throw new CliErrors.UserError("--quality-from: no file " + qualityFrom);
            Path file = qualityFrom != null ? qualityFrom : Path.of(DEFAULT_QUALITY);
            if (Files.isRegularFile(file)) {
                try {
                    return QualityTable.read(file);
                } catch (IOException e) {
                    throw new CliErrors.UserError("--quality-from " + file + ": " + e.getMessage());
                }
            }
            return QualityTable.none("no quality table: " + DEFAULT_QUALITY + " not found under " + Path.of("").toAbsolutePath()
                    + " (give --quality-from FILE)");
        }

        private SimulatedDevice.CostModel simulatedCost(LoadedModel m, java.util.function.Supplier<SimulatedDevice.CostModel> measured)
                throws IOException {
            if (costFrom != null) return BatchingBench.costCurveFrom(costFrom);
            if (m.model() instanceof AnalyticGaussianModel) {
                return SimulatedDevice.CostModel.linear(modelChoice.costPerCallMicros * 1_000, modelChoice.costPerRowMicros * 1_000);
            }
            return measured.get();
        }

        private String costName() {
            if (costFrom != null) return "raw_by_batch of " + costFrom.getFileName();
            if (modelChoice.name.equals(LoadedModel.ANALYTIC)) {
                return modelChoice.costPerCallMicros + " us/call + " + modelChoice.costPerRowMicros + " us/row";
            }
            return "raw_by_batch measured now";
        }

        private static String simulatedSummary(Map<String, Object> s) {
            return String.format("simulated (%s, policy %s): p99 continuous / request = %.3f, by kind %s, scheduler efficiency %.3f%n",
                    s.get("cost_model"), s.get("policy"), (Double) s.get("p99_ratio_continuous_vs_request"), s.get("p99_ratio_by_kind"),
                    (Double) s.get("scheduler_efficiency"));
        }
    }

    @Command(name = "quality", mixinStandardHelpOptions = true,
            description = "Fréchet distance and class accuracy of guided samples per solver, schedule and NFE, against a dopri5 reference.")
    static final class Quality implements Callable<Integer> {
        @Mixin Output output;
        @Mixin ModelChoice modelChoice;

        @Option(names = "--full", description = "The trustworthy sweep: 1000 samples per point, NFE 1,2,4,8,16, every solver "
                + "(about an hour on 2 cores: run it in the background). Without it a bounded run: 200 samples, NFE 2,4,8.")
        boolean full;

        @Option(names = "--samples-per-point", description = "Samples per point, classes balanced (default 200, or 1000 with --full).")
        Integer samplesPerPoint;

        @Option(names = "--flowmap-model", paramLabel = "NAME", description = "Also evaluate this flow-map model's flowmap solver at 1, 2 and 4 NFE (default: fashion-mnist-flowmap when the registry has it; 'none' to skip).")
        String flowMapModel;

        @Option(names = "--baseline-model", paramLabel = "NAME", description = "Also run the reference sampler on this model (e.g. an earlier version from --model-dir), side by side.")
        String baselineModel;

        @Option(names = "--data-images", paramLabel = "FILE", defaultValue = "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz",
                description = "Real images (IDX, gzipped or not) whose FD against the reference statistics is the data floor "
                        + "(default ${DEFAULT-VALUE}, from Debian's dataset-fashion-mnist; skipped when missing).")
        Path dataImages;

        @Option(names = "--guidance", description = "Guidance weight (default: the model's default sampler's).")
        Double guidance;

        @Option(names = "--solvers", split = ",", description = "Solvers (default euler,midpoint,heun,rk4,dopri5; with --full also ralston3, ab2, ab3). The model's bespoke solvers always run.")
        List<String> solvers;

        @Option(names = "--schedules", split = ",", description = "Schedules: uniform, shifted, optimised (default all).")
        List<String> schedules;

        @Option(names = "--nfe", split = ",", description = "Evaluation budgets (default 2,4,8, or 1,2,4,8,16 with --full).")
        List<Integer> nfes;

        @Option(names = "--reference-rtol", defaultValue = "1e-5", description = "rtol = atol of the dopri5 reference (default ${DEFAULT-VALUE}).")
        double referenceRtol;

        @Option(names = "--classifier", paramLabel = "FILE", description = "ONNX classifier (default: the model manifest's evaluation.classifier).")
        Path classifier;

        @Option(names = "--reference-features", paramLabel = "FILE", description = "Reference statistics {n, dim, mean, cov} (default: the manifest's evaluation.referenceFeatures).")
        Path referenceFeatures;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            try (LoadedModel m = modelChoice.load()) {
                double w = guidance != null ? guidance : m.model().info().defaultSampler().guidanceScale();
                int n = samplesPerPoint != null ? samplesPerPoint : full ? QualityBench.FULL_SAMPLES : QualityBench.DEFAULT_SAMPLES;
                QualityBench.Options o = QualityBench.Options.defaults(n, w)
                        .withSweep(solvers != null ? solvers.stream().map(Solver::parse).toList() : full ? QualityBench.FULL_SOLVERS : QualityBench.DEFAULT_SOLVERS,
                                schedules == null ? QualityBench.SCHEDULES : schedules,
                                nfes != null ? nfes : full ? QualityBench.FULL_NFES : QualityBench.DEFAULT_NFES)
                        .withReferenceRtol(referenceRtol);
                GaussianStats reference;
                FeatureClassifier clf;
                Optional<dev.flowline.model.LatentDecoder> decoder = m.registry() == null ? Optional.empty()
                        : m.registry().decoder(m.model().info().name());
                if (m.model() instanceof AnalyticGaussianModel analytic && classifier == null) {
                    clf = new AnalyticClassifier(analytic);
                    reference = referenceFeatures != null ? GaussianStats.read(referenceFeatures) : AnalyticClassifier.referenceStats(analytic);
                    o = o.withClamp(false);
                } else {
                    ModelManifest.Evaluation eval = m.manifest() == null ? null : m.manifest().evaluation().orElse(null);
                    Path clfFile = classifier != null ? classifier : evaluationFile(m, eval == null ? null : eval.classifier().orElse(null), "classifier");
                    Path refFile = referenceFeatures != null ? referenceFeatures : evaluationFile(m, eval == null ? null : eval.referenceFeatures().orElse(null), "referenceFeatures");
                    reference = GaussianStats.read(refFile);
                    // A latent model is judged on its decoded images, as the worker returns them.
                    int[] imageShape = decoder.map(d -> d.stage().outputShape()).orElse(m.model().info().sampleShape());
                    clf = OnnxClassifier.load(clfFile, imageShape, modelChoice.threads);
                }
                Optional<VelocityModel> flowMap = Optional.empty(), baseline = Optional.empty();
                if (m.registry() != null) {
                    String fm = flowMapModel != null ? flowMapModel : m.registry().names().contains("fashion-mnist-flowmap")
                            && m.model().info().name().equals("fashion-mnist") ? "fashion-mnist-flowmap" : "none";
                    if (!fm.equals("none")) flowMap = Optional.of(m.registry().get(fm));
                    if (baselineModel != null) baseline = Optional.of(m.registry().get(baselineModel));
                }
                Optional<float[][]> real = Optional.empty();
                if (dataImages != null && Files.isRegularFile(dataImages) && !(m.model() instanceof AnalyticGaussianModel)) {
                    ModelInfo.ValueRange range = decoder.map(d -> d.stage().valueRange()).orElse(m.model().info().valueRange());
                    real = Optional.of(IdxImages.read(dataImages, o.samplesPerPoint(), range.min(), range.max()));
                } else if (!(m.model() instanceof AnalyticGaussianModel)) {
                    System.err.println("no data floor: " + dataImages + " not found (apt-get install dataset-fashion-mnist)");
                }
                try (FeatureClassifier c = clf) {
                    QualityReport report = QualityBench.run(m.model(), c, reference, o, new QualityBench.Extras(flowMap, baseline, real, decoder), System.err);
                    output.write(report.toJson(m.machine()), report.writePlots(output.plotDir()), report.summary());
                }
            }
            return 0;
        }

        private Path evaluationFile(LoadedModel m, String file, String key) {
            if (file == null) {
                throw new CommandLine.ParameterException(spec.commandLine(), "model '" + m.model().info().name()
                        + "' has no evaluation." + key + " in its manifest; give --classifier and --reference-features");
            }
            return m.manifest().directory().resolve(file);
        }
    }

    @Command(name = "solvers", mixinStandardHelpOptions = true,
            description = "Convergence order of every solver on the analytic model, and dopri5's NFE against its tolerance.")
    static final class Solvers implements Callable<Integer> {
        @Mixin Output output;

        @Option(names = "--samples", defaultValue = "64", description = "Samples per point (default ${DEFAULT-VALUE}).")
        int samples;

        @Option(names = "--max-steps", defaultValue = "512", description = "Largest step count of the sweep 1, 2, 4, ... (default ${DEFAULT-VALUE}).")
        int maxSteps;

        @Option(names = "--std", defaultValue = "0.2", description = "Data standard deviation of the analytic model (default ${DEFAULT-VALUE}).")
        float std;

        @Option(names = "--seed", defaultValue = "20261122")
        long seed;

        @Override
        public Integer call() throws Exception {
            try (AnalyticGaussianModel model = AnalyticGaussianModel.builder().optStd(std).build()) {
                SolversBench.Options d = SolversBench.Options.defaults();
                SolversReport report = SolversBench.run(model, new SolversBench.Options(samples, maxSteps, d.rtols(), seed, std));
                output.write(report.toJson(MachineInfo.describe("none (closed-form model)", "cpu")),
                        report.writePlots(output.plotDir()), report.summary());
            }
            return 0;
        }
    }

    /** Which model a benchmark runs: a registry model by name, or the analytic one. */
    static final class ModelChoice {
        @Option(names = "--model", defaultValue = "fashion-mnist",
                description = "Model name (default ${DEFAULT-VALUE}, the built-in demo model); '" + LoadedModel.ANALYTIC + "' for the closed-form model (quick runs).")
        String name;

        @Option(names = "--model-dir", paramLabel = "DIR", description = "Extra model directories (repeatable).")
        List<Path> modelDirs = new ArrayList<>();

        @Option(names = "--threads", defaultValue = "0", description = "ONNX Runtime intra-op threads (0: engine default).")
        int threads;

        @Option(names = "--device", defaultValue = "auto", description = "auto, cpu or gpu (default ${DEFAULT-VALUE}).")
        String device;

        @Option(names = "--analytic-cost-per-row-us", defaultValue = "20",
                description = "Analytic model: busy-spin per row, emulating a network (default ${DEFAULT-VALUE}).")
        long costPerRowMicros;

        @Option(names = "--analytic-cost-per-call-us", defaultValue = "200",
                description = "Analytic model: busy-spin per call, a launch overhead batching amortises (default ${DEFAULT-VALUE}).")
        long costPerCallMicros;

        LoadedModel load() {
            if (name.equals(LoadedModel.ANALYTIC)) {
                return LoadedModel.analytic(costPerRowMicros, costPerCallMicros);
            }
            ModelRegistryOptions options = new ModelRegistryOptions(modelDirs, true, null, null, null)
                    .withRuntime(new ModelRuntimeOptions(DeviceMode.parse(device), threads, 0));
            return LoadedModel.fromRegistry(new ModelRegistry(options), name);
        }
    }
}
