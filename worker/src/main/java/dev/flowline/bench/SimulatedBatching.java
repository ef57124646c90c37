package dev.flowline.bench;

import dev.flowline.batching.BatchRecord;
import dev.flowline.batching.BatchingMode;
import dev.flowline.batching.CallCost;
import dev.flowline.batching.JobOutcome;
import dev.flowline.batching.JobStatus;
import dev.flowline.batching.ModelProvider;
import dev.flowline.batching.OrderingPolicy;
import dev.flowline.batching.SchedulerListener;
import dev.flowline.batching.SchedulerOptions;
import dev.flowline.batching.SimulatedDevice;
import dev.flowline.model.AnalyticGaussianModel;
import dev.flowline.model.ModelInfo;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The batching benchmark on the {@link SimulatedDevice}: the same Poisson traces and workload mix as the wall-clock
 * run, replayed against the real scheduler on a virtual clock whose calls cost what the cost model says. Exact and
 * repeatable, so policies and loads can be compared on a busy machine. Samples are integrated by a closed-form
 * stand-in of the model's shape (the ordering never changes a sample's bytes; only the cost matters here).
 */
public final class SimulatedBatching {
    private SimulatedBatching() {}

    public static final List<Double> DEFAULT_LOADS = List.of(0.3, 0.5, 0.7, 0.9, 1.1);

    /** Label of the first-come-first-served-by-job reference in the sweep (see {@link ConservationBound}). */
    static final String FCFS = "fcfs-by-job";

    /**
     * @param loads    arrival rates as fractions of the device's capacity (its best rows/s up to maxBatchRows)
     * @param headline the load whose figures are the headline ratios (added to the sweep if missing)
     * @param minJobs  jobs per trace, at least
     * @param policies the CONTINUOUS orderings compared; the scheduler options' own policy is the headline one
     * @param quality  an earlier {@code bench quality} table: the FD of the step counts the adaptive-steps comparison ran
     */
    public record Options(List<Double> loads, double headline, int minJobs, long seed, SchedulerOptions scheduler,
                          WorkloadMix mix, List<OrderingPolicy> policies, QualityTable quality, int seeds) {
        public Options {
            if (seeds < 1) throw new IllegalArgumentException("seeds must be >= 1");
            List<Double> l = new ArrayList<>(loads);
            if (!l.contains(headline)) l.add(headline);
            l.sort(Double::compare);
            loads = List.copyOf(l);
            policies = List.copyOf(policies);
            if (minJobs < 1) throw new IllegalArgumentException("minJobs must be >= 1");
            java.util.Objects.requireNonNull(quality, "quality");
        }

        /** Without a quality table: the adaptive-steps FD figures are null. */
        public Options(List<Double> loads, double headline, int minJobs, long seed, SchedulerOptions scheduler,
                       WorkloadMix mix, List<OrderingPolicy> policies) {
            this(loads, headline, minJobs, seed, scheduler, mix, policies, NO_QUALITY, 1);
        }

        public Options withQuality(QualityTable quality) {
            return new Options(loads, headline, minJobs, seed, scheduler, mix, policies, quality, seeds);
        }

        /**
         * Traces per load for the headline ratios: the sweep's own ({@code seed}) and {@code seeds - 1} more
         * ({@code seed + 1} …), replayed under the headline policy and request-level batching; the headline figures
         * are the medians. A p99 over 2,000 jobs is its 20th-longest latency: one burst more or less in the trace moves
         * it by 10%, more than the policies being compared differ.
         */
        public Options withSeeds(int seeds) {
            return new Options(loads, headline, minJobs, seed, scheduler, mix, policies, quality, seeds);
        }

        public static Options defaults(SchedulerOptions scheduler) {
            return new Options(DEFAULT_LOADS, 0.7, 1000, 20261122L, scheduler, WorkloadMix.DEFAULT, List.of(OrderingPolicy.values()));
        }
    }

    private static final QualityTable NO_QUALITY = QualityTable.none("no quality table given (bench batching --quality-from FILE)");

    /** The device's best rows per second at up to {@code maxRows} rows per call. */
    static double capacityRowsPerSecond(SimulatedDevice.CostModel cost, int maxRows) {
        double best = 0;
        for (int r = 1; r <= maxRows; r++) best = Math.max(best, r * 1e9 / cost.callNanos(r));
        return best;
    }

    /** Each mix entry's service time alone on the device: its evaluations, each a call of its own rows. */
    static double[] serviceMs(WorkloadMix mix, boolean guidance, SimulatedDevice.CostModel cost) {
        double[] ms = new double[mix.entries().size()];
        for (int k = 0; k < ms.length; k++) {
            WorkloadMix.Entry e = mix.entries().get(k);
            int rowsPerEval = (guidance && e.guided() ? 2 : 1) * e.samples();
            ms[k] = e.solver().method().evaluations(e.steps()) * cost.callNanos(rowsPerEval) / 1e6;
        }
        return ms;
    }

    /** One replay's figures, the learned call cost at its end, and per job: when it ended, how, and at what step count. */
    record Run(OpenLoop.ModeResult result, List<CallCost> curve, long[] doneAt, JobStatus[] status, int[] chosenSteps,
               long rows, List<float[]>[] samples) {
    }

    /** The sweep: every load for CONTINUOUS under each policy, REQUEST and NONE; figures as the JSON contract names them. */
    public static Map<String, Object> run(ModelInfo info, SimulatedDevice.CostModel cost, String costName, Options o,
                                          Path plotDir, PrintStream log) throws IOException {
        AnalyticGaussianModel standIn = AnalyticGaussianModel.builder().optName(info.name())
                .optSampleShape(info.sampleShape()).optNumClasses(info.numClasses()).build();
        if (standIn.info().supportsGuidance() != info.supportsGuidance()) {
            throw new IllegalArgumentException("no closed-form stand-in for model " + info.name() + " (guidance support differs)");
        }
        boolean guidance = info.supportsGuidance();
        double capacity = capacityRowsPerSecond(cost, o.scheduler().maxBatchRows());
        double[] service = serviceMs(o.mix(), guidance, cost);
        double[] work = ConservationBound.workMs(o.mix(), guidance, capacity);
        OrderingPolicy headlinePolicy = o.scheduler().policy();
        log.printf("simulated device (%s): capacity %.0f rows/s at up to %d rows per call%n", costName, capacity,
                o.scheduler().maxBatchRows());

        // mode label -> load -> result
        Map<String, Map<Double, OpenLoop.ModeResult>> sweep = new LinkedHashMap<>();
        List<CallCost> headlineCurve = List.of();
        for (double load : o.loads()) {
            ArrivalTrace trace = trace(o, o.seed(), load, capacity, guidance, info.numClasses());
            double seconds = trace.durationSeconds();
            List<String> labels = new ArrayList<>();
            for (OrderingPolicy p : o.policies()) labels.add("continuous-" + p.name().toLowerCase());
            if (!o.policies().contains(headlinePolicy)) labels.add("continuous-" + headlinePolicy.name().toLowerCase());
            labels.add("request");
            labels.add("none");
            for (String label : labels) {
                BatchingMode mode = label.startsWith("continuous") ? BatchingMode.CONTINUOUS : BatchingMode.valueOf(label.toUpperCase());
                OrderingPolicy policy = label.startsWith("continuous-")
                        ? OrderingPolicy.valueOf(label.substring("continuous-".length()).toUpperCase()) : headlinePolicy;
                Run run = replay(standIn, cost, o.scheduler().withMode(mode).withPolicy(policy), trace, o.mix(), service, seconds);
                sweep.computeIfAbsent(label, k -> new LinkedHashMap<>()).put(load, run.result());
                if (mode == BatchingMode.CONTINUOUS && policy == headlinePolicy && load == o.headline()) headlineCurve = run.curve();
                OpenLoop.ModeResult m = run.result();
                log.printf("  load %.1f %-30s p50 %9.1f ms  p99 %9.1f ms  slo %.3f  unfinished %d%n", load, label, m.p50Ms(), m.p99Ms(),
                        m.sloAttainment(), m.unfinished());
            }
            OpenLoop.ModeResult fcfs = ConservationBound.fcfsByJob(trace, o.mix(), work, service);
            sweep.computeIfAbsent(FCFS, k -> new LinkedHashMap<>()).put(load, fcfs);
            log.printf("  load %.1f %-30s p50 %9.1f ms  p99 %9.1f ms  slo %.3f  (reference: each job alone at capacity, in arrival order)%n", load, FCFS,
                    fcfs.p50Ms(), fcfs.p99Ms(), fcfs.sloAttainment());
        }
        String continuous = "continuous-" + headlinePolicy.name().toLowerCase();
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("scheduler_efficiency", closedLoopEfficiency(standIn, cost, o, capacity));
        OpenLoop.ModeResult c = sweep.get(continuous).get(o.headline()), r = sweep.get("request").get(o.headline());
        Map<String, Object> seeds = seedSpread(standIn, cost, o, sweep, continuous, service, guidance, capacity, log);
        @SuppressWarnings("unchecked")
        Map<String, Object> headline = (Map<String, Object>) ((Map<String, Object>) seeds.get("median")).get(String.valueOf(o.headline()));
        json.put("p99_ratio_continuous_vs_request", headline.get("p99_ratio_continuous_vs_request"));
        json.put("p99_ratio_by_kind", headline.get("p99_ratio_by_kind"));
        json.put("seeds", seeds);
        Map<String, Object> slo = new LinkedHashMap<>();
        sweep.forEach((label, byLoad) -> {
            String mode = label.equals(continuous) ? "continuous" : label;
            Map<String, Object> l = new LinkedHashMap<>();
            byLoad.forEach((load, m) -> l.put(String.valueOf(load), m.sloAttainment()));
            slo.put(mode, l);
        });
        json.put("slo_attainment", slo);
        json.put("policy", headlinePolicy.name());
        Map<String, Object> modes = new LinkedHashMap<>();
        modes.put("continuous", modeJson(c));
        modes.put("request", modeJson(r));
        modes.put("none", modeJson(sweep.get("none").get(o.headline())));
        json.put("modes", modes);
        Map<String, Object> ratios = new LinkedHashMap<>();
        for (double load : o.loads()) {
            Map<String, Object> byPolicy = new LinkedHashMap<>();
            for (OrderingPolicy p : o.policies()) {
                OpenLoop.ModeResult pc = sweep.get("continuous-" + p.name().toLowerCase()).get(load), pr = sweep.get("request").get(load);
                Map<String, Object> e = new LinkedHashMap<>();
                e.put("p99_ratio_continuous_vs_request", pc.p99Ms() / pr.p99Ms());
                e.put("p99_ratio_by_kind", ratioByKind(pc, pr));
                byPolicy.put(p.name(), e);
            }
            ratios.put(String.valueOf(load), byPolicy);
        }
        json.put("ratios_by_load_and_policy", ratios);
        json.put("conservation", conservation(sweep, o, work, continuous));
        Map<String, Object> adaptive = adaptiveSteps(standIn, cost, o, capacity, service);
        log.printf("  adaptive steps at load %.1f (%s, target %d ms): SLO attainment %.3f adaptive vs %.3f fixed%n", ADAPTIVE_LOAD,
                adaptive.get("ranged_kind"), (Long) adaptive.get("latency_target_ms"), (Double) adaptive.get("slo_attainment_adaptive"),
                (Double) adaptive.get("slo_attainment_fixed"));
        json.put("adaptive_steps", adaptive);
        Map<String, Object> dedup = dedup(standIn, cost, o, capacity, service);
        log.printf("  dedup at load %.1f, %d of %d jobs repeated: %.1f%% of model rows saved, bytes identical %s%n", o.headline(),
                (Integer) dedup.get("repeated_jobs"), (Integer) dedup.get("jobs"), 100 * (Double) dedup.get("rows_saved_fraction"),
                dedup.get("bytes_identical"));
        json.put("dedup", dedup);
        Map<String, Object> sweepJson = new LinkedHashMap<>();
        sweep.forEach((label, byLoad) -> {
            Map<String, Object> l = new LinkedHashMap<>();
            byLoad.forEach((load, m) -> l.put(String.valueOf(load), modeJson(m)));
            sweepJson.put(label, l);
        });
        json.put("sweep", sweepJson);
        List<Map<String, Object>> curve = new ArrayList<>();
        for (CallCost p : headlineCurve) {
            Map<String, Object> point = new LinkedHashMap<>();
            point.put("rows", p.rows());
            point.put("mean_rows", p.rowsPerCall());
            point.put("ms_per_call", p.millisPerCall());
            point.put("calls", p.calls());
            curve.add(point);
        }
        json.put("learned_cost_curve", curve);
        json.put("cost_model", costName);
        json.put("capacity_rows_per_s", capacity);
        json.put("service_ms_by_kind", kindMap(o.mix(), service));
        if (plotDir != null) json.put("plots", writePlot(plotDir, sweep, o, costName).toString());
        return json;
    }

    /**
     * The headline policy's p99 ratio against request-level batching at every load, over {@link Options#seeds} traces
     * (the sweep's and {@code seeds - 1} more); {@code median} holds, per load, the median overall and per kind.
     */
    private static Map<String, Object> seedSpread(AnalyticGaussianModel standIn, SimulatedDevice.CostModel cost, Options o,
                                                  Map<String, Map<Double, OpenLoop.ModeResult>> sweep, String continuous,
                                                  double[] service, boolean guidance, double capacity, PrintStream log) {
        OrderingPolicy policy = o.scheduler().policy();
        Map<String, Object> byLoad = new LinkedHashMap<>(), median = new LinkedHashMap<>();
        List<Long> seedList = new ArrayList<>();
        for (int i = 0; i < o.seeds(); i++) seedList.add(o.seed() + i);
        for (double load : o.loads()) {
            List<Double> overall = new ArrayList<>();
            Map<String, List<Double>> kinds = new LinkedHashMap<>();
            List<Object> runs = new ArrayList<>();
            for (long seed : seedList) {
                OpenLoop.ModeResult c, r;
                if (seed == o.seed()) {
                    c = sweep.get(continuous).get(load);
                    r = sweep.get("request").get(load);
                } else {
                    ArrivalTrace trace = trace(o, seed, load, capacity, guidance, standIn.info().numClasses());
                    double seconds = trace.durationSeconds();
                    c = replay(standIn, cost, o.scheduler().withMode(BatchingMode.CONTINUOUS).withPolicy(policy), trace, o.mix(), service, seconds).result();
                    r = replay(standIn, cost, o.scheduler().withMode(BatchingMode.REQUEST).withPolicy(policy), trace, o.mix(), service, seconds).result();
                }
                Map<String, Object> byKind = ratioByKind(c, r);
                overall.add(c.p99Ms() / r.p99Ms());
                byKind.forEach((k, v) -> kinds.computeIfAbsent(k, x -> new ArrayList<>()).add((Double) v));
                Map<String, Object> run = new LinkedHashMap<>();
                run.put("seed", seed);
                run.put("p99_ratio_continuous_vs_request", c.p99Ms() / r.p99Ms());
                run.put("p99_ratio_by_kind", byKind);
                runs.add(run);
            }
            byLoad.put(String.valueOf(load), runs);
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("p99_ratio_continuous_vs_request", median(overall));
            Map<String, Object> mk = new LinkedHashMap<>();
            kinds.forEach((k, v) -> mk.put(k, median(v)));
            m.put("p99_ratio_by_kind", mk);
            median.put(String.valueOf(load), m);
            if (o.seeds() > 1) {
                log.printf("  load %.1f p99 continuous / request over %d traces: %s, median %.3f%n", load, o.seeds(),
                        overall.stream().map(x -> String.format("%.3f", x)).toList(), median(overall));
            }
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("seeds", seedList);
        out.put("by_load", byLoad);
        out.put("median", median);
        return out;
    }

    private static double median(List<Double> values) {
        return BatchingRepeats.median(values.stream().mapToDouble(Double::doubleValue).toArray());
    }

    /** A Poisson trace of the mix at {@code load} of the device's capacity: at least {@code o.minJobs()} jobs, at least 1 s. */
    private static ArrivalTrace trace(Options o, long seed, double load, double capacity, boolean guidance, int numClasses) {
        double rate = load * capacity / o.mix().meanRowsPerJob(guidance);
        return ArrivalTrace.poisson(seed, rate, Math.max(o.minJobs() / rate, 1.0), o.mix(), numClasses);
    }

    /**
     * Kleinrock's yardstick per load: every mode's load-weighted mean latency, and the headline policy's p99, overall
     * and per kind, against FCFS by job on the ideal device (see {@link ConservationBound}).
     */
    private static Map<String, Object> conservation(Map<String, Map<Double, OpenLoop.ModeResult>> sweep, Options o,
                                                    double[] work, String continuous) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (double load : o.loads()) {
            OpenLoop.ModeResult fcfs = sweep.get(FCFS).get(load), c = sweep.get(continuous).get(load), r = sweep.get("request").get(load);
            Map<String, Object> l = new LinkedHashMap<>();
            Map<String, Object> latency = new LinkedHashMap<>();
            sweep.forEach((label, byLoad) -> latency.put(label.equals(continuous) ? "continuous" : label,
                    ConservationBound.weightedMeanLatencyMs(byLoad.get(load), work)));
            l.put("weighted_mean_latency_ms", latency);
            l.put("continuous_weighted_latency_over_fcfs", ConservationBound.weightedMeanLatencyMs(c, work)
                    / ConservationBound.weightedMeanLatencyMs(fcfs, work));
            l.put("p99_ratio_fcfs_vs_request", fcfs.p99Ms() / r.p99Ms());
            l.put("p99_ratio_fcfs_by_kind_vs_request", ratioByKind(fcfs, r));
            l.put("p99_continuous_over_fcfs", c.p99Ms() / fcfs.p99Ms());
            l.put("p99_continuous_over_fcfs_by_kind", ratioByKind(c, fcfs));
            out.put(String.valueOf(load), l);
        }
        return out;
    }

    private static Run replay(AnalyticGaussianModel model, SimulatedDevice.CostModel cost, SchedulerOptions options,
                              ArrivalTrace trace, WorkloadMix mix, double[] serviceMs, double seconds) {
        return replay(model, cost, options, trace, mix, serviceMs, seconds, new int[mix.entries().size()]);
    }

    /** {@code minSteps[k] > 0}: jobs of mix entry k accept step counts from it up to the entry's (the scheduler picks). */
    private static Run replay(AnalyticGaussianModel model, SimulatedDevice.CostModel cost, SchedulerOptions options,
                              ArrivalTrace trace, WorkloadMix mix, double[] serviceMs, double seconds, int[] minSteps) {
        int n = trace.size();
        long[] doneAt = new long[n];
        int[] chosenSteps = new int[n];
        @SuppressWarnings("unchecked")
        List<float[]>[] samples = new List[n];
        JobStatus[] status = new JobStatus[n];
        long[] queued = new long[n];
        long[] sampling = new long[n];
        SimulatedDevice[] device = new SimulatedDevice[1];
        SchedulerListener listener = new SchedulerListener() {
            @Override
            public void onCompleted(JobOutcome outcome) {
                int i = ((ArrivalTrace.Arrival) outcome.job().origin()).index();
                doneAt[i] = device[0].nanoTime();
                status[i] = outcome.status();
                chosenSteps[i] = outcome.job().chosenSteps();
                samples[i] = outcome.samples();
                queued[i] = outcome.queuedNanos();
                sampling[i] = outcome.samplingNanos();
            }

            @Override
            public void onBatch(BatchRecord batch) {}
        };
        MixJobFactory jobs = new MixJobFactory(model.info(), mix);
        long cutoff = (long) (2 * seconds * 1e9); // the trace, then as long again to drain
        try (SimulatedDevice sim = new SimulatedDevice(options, ModelProvider.of(model), cost, listener)) {
            device[0] = sim;
            for (ArrivalTrace.Arrival a : trace.arrivals()) {
                sim.submitAt(a.atNanos(), jobs.job("sim-" + a.index(), a.mixEntry(), a.label(), a.seed(), a, minSteps[a.mixEntry()]));
            }
            sim.run(cutoff);
            OpenLoop.ModeResult m = OpenLoop.summarise(options.mode(), trace, mix, doneAt, status, queued, sampling,
                    sim.rows(), sim.modelCalls(), 0, cutoff, serviceMs);
            return new Run(m, sim.costCurves().values().stream().findFirst().orElse(List.of()), doneAt, status, chosenSteps,
                    sim.rows(), samples);
        }
    }

    /** Load of the adaptive-steps comparison: past capacity, where fixed step counts cannot keep up. */
    static final double ADAPTIVE_LOAD = 1.2;

    /**
     * Load-adaptive step counts against fixed ones, in the same trace at {@link #ADAPTIVE_LOAD}: the mix's costliest
     * kind accepts from an eighth of its steps up to all of them, with the latency target its SLO (5× its unloaded
     * service time); {@code slo_attainment_*} is the share of those jobs that finish within it, with the scheduler
     * choosing (adaptive) or running every job at its full count (fixed), and the counts run ({@code steps_chosen},
     * {@code steps_fixed}). Beside them the sample quality of those counts from {@link Options#quality()}:
     * {@code fd_adaptive}, the FD of each count the adaptive jobs ran weighted by its jobs, and {@code fd_fixed}, the
     * FD of the full count; null where the table has no point for a count that ran (listed in {@code fd_missing}) or
     * there is no table ({@code fd_source} says which table, or why none).
     */
    static Map<String, Object> adaptiveSteps(AnalyticGaussianModel standIn, SimulatedDevice.CostModel cost, Options o,
                                             double capacity, double[] service) {
        WorkloadMix mix = o.mix();
        boolean guidance = standIn.info().supportsGuidance();
        int ranged = 0;
        for (int k = 1; k < mix.entries().size(); k++) {
            if (mix.entries().get(k).rowsPerJob(guidance) > mix.entries().get(ranged).rowsPerJob(guidance)) ranged = k;
        }
        WorkloadMix.Entry e = mix.entries().get(ranged);
        int[] minSteps = new int[mix.entries().size()];
        minSteps[ranged] = Math.max(1, e.steps() / 8);
        long targetMs = Math.max(1, Math.round(OpenLoop.SLO_FACTOR * service[ranged]));
        ArrivalTrace trace = trace(o, o.seed(), ADAPTIVE_LOAD, capacity, guidance, standIn.info().numClasses());
        double seconds = trace.durationSeconds();
        SchedulerOptions options = o.scheduler().withMode(BatchingMode.CONTINUOUS);
        Run fixed = replay(standIn, cost, options, trace, mix, service, seconds);
        Run adaptive = replay(standIn, cost, options.withLatencyTargetMillis(targetMs), trace, mix, service, seconds, minSteps);

        Map<String, Object> out = new LinkedHashMap<>();
        out.put("load", ADAPTIVE_LOAD);
        out.put("ranged_kind", e.name());
        out.put("min_steps", minSteps[ranged]);
        out.put("max_steps", e.steps());
        out.put("latency_target_ms", targetMs);
        out.put("slo_attainment_adaptive", rangedSlo(adaptive, trace, ranged, targetMs));
        out.put("slo_attainment_fixed", rangedSlo(fixed, trace, ranged, targetMs));
        out.put("p99_ms_adaptive", adaptive.result().byKind().get(ranged).p99Ms());
        out.put("p99_ms_fixed", fixed.result().byKind().get(ranged).p99Ms());
        out.put("unfinished_adaptive", adaptive.result().unfinished());
        out.put("unfinished_fixed", fixed.result().unfinished());
        out.put("slo_attainment_all_kinds_adaptive", adaptive.result().sloAttainment());
        out.put("slo_attainment_all_kinds_fixed", fixed.result().sloAttainment());
        // Per step count, the ranged jobs that ran at it: the scheduler's choice, or the kind's own count when fixed.
        Map<Integer, Integer> chosen = new java.util.TreeMap<>(), full = new java.util.TreeMap<>();
        for (int i = 0; i < trace.size(); i++) {
            if (trace.arrivals().get(i).mixEntry() != ranged) continue;
            if (adaptive.chosenSteps()[i] > 0) chosen.merge(adaptive.chosenSteps()[i], 1, Integer::sum);
            if (fixed.status()[i] != null) full.merge(e.steps(), 1, Integer::sum);
        }
        out.put("steps_chosen", stepsJson(chosen));
        out.put("steps_fixed", stepsJson(full));
        out.putAll(fdFigures(o.quality(), standIn.info().name(), e.samplerConfig(guidance), chosen, full));
        out.put("jobs", trace.size());
        return out;
    }

    private static Map<String, Integer> stepsJson(Map<Integer, Integer> bySteps) {
        Map<String, Integer> out = new LinkedHashMap<>();
        bySteps.forEach((steps, jobs) -> out.put(String.valueOf(steps), jobs));
        return out;
    }

    /**
     * {@code fd_adaptive}, {@code fd_fixed}, {@code fd_missing} and {@code fd_source}: the quality table's FD of the
     * sampler {@code config} at the step counts that ran, weighted by jobs (see {@link QualityTable#weighted}).
     */
    static Map<String, Object> fdFigures(QualityTable quality, String model, dev.flowline.sampling.SamplerConfig config,
                                         Map<Integer, Integer> adaptiveBySteps, Map<Integer, Integer> fixedBySteps) {
        String solver = config.solver().id();
        String schedule = config.schedule() instanceof dev.flowline.sampling.Schedule.Uniform ? "uniform"
                : config.schedule() instanceof dev.flowline.sampling.Schedule.Named n ? n.name() : config.schedule().toString();
        double w = config.guidanceScale();
        QualityTable.Weighted a = quality.weighted(model, solver, schedule, w, adaptiveBySteps);
        QualityTable.Weighted f = quality.weighted(model, solver, schedule, w, fixedBySteps);
        java.util.Set<String> missing = new java.util.LinkedHashSet<>(a.missing());
        missing.addAll(f.missing());
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("fd_adaptive", a.mean());
        out.put("fd_fixed", f.mean());
        out.put("fd_missing", quality.present() ? List.copyOf(missing) : null);
        out.put("fd_source", quality.describe(model, w));
        return out;
    }

    private static double rangedSlo(Run run, ArrivalTrace trace, int ranged, long targetMs) {
        int jobs = 0, met = 0;
        for (int i = 0; i < trace.size(); i++) {
            ArrivalTrace.Arrival a = trace.arrivals().get(i);
            if (a.mixEntry() != ranged) continue;
            jobs++;
            if (run.status()[i] == JobStatus.SUCCEEDED && run.doneAt()[i] - a.atNanos() <= targetMs * 1_000_000L) met++;
        }
        return jobs == 0 ? Double.NaN : met / (double) jobs;
    }

    /** Share of the dedup trace's jobs that repeat an earlier job (model, sampler, label and seed). */
    static final double REPEATED_SHARE = 0.3;

    /**
     * Identical-sample deduplication: the headline load's trace with {@link #REPEATED_SHARE} of its jobs turned into
     * copies of one of the ten jobs before them (so that most copies arrive while the original is in flight), replayed
     * with deduplication off and on. {@code rows_saved_fraction}: model rows saved; {@code bytes_identical}: every
     * job's samples equal in both runs.
     */
    static Map<String, Object> dedup(AnalyticGaussianModel standIn, SimulatedDevice.CostModel cost, Options o,
                                     double capacity, double[] service) {
        boolean guidance = standIn.info().supportsGuidance();
        ArrivalTrace base = trace(o, o.seed(), o.headline(), capacity, guidance, standIn.info().numClasses());
        double seconds = base.durationSeconds();
        java.util.SplittableRandom random = new java.util.SplittableRandom(o.seed() ^ 0x5DEECE66DL);
        List<ArrivalTrace.Arrival> arrivals = new ArrayList<>(base.size());
        int repeated = 0;
        for (ArrivalTrace.Arrival a : base.arrivals()) {
            if (a.index() > 0 && random.nextDouble() < REPEATED_SHARE) {
                ArrivalTrace.Arrival of = arrivals.get(a.index() - 1 - random.nextInt(Math.min(10, a.index())));
                a = new ArrivalTrace.Arrival(a.index(), a.atNanos(), of.mixEntry(), of.label(), of.seed());
                repeated++;
            }
            arrivals.add(a);
        }
        ArrivalTrace trace = new ArrivalTrace(base.ratePerSecond(), base.durationSeconds(), arrivals);
        SchedulerOptions options = o.scheduler().withMode(BatchingMode.CONTINUOUS);
        Run off = replay(standIn, cost, options.withDedup(false), trace, o.mix(), service, seconds);
        Run on = replay(standIn, cost, options.withDedup(true), trace, o.mix(), service, seconds);
        boolean identical = true;
        for (int i = 0; i < trace.size() && identical; i++) {
            List<float[]> a = off.samples()[i], b = on.samples()[i];
            if (a == null || b == null || a.size() != b.size()) {
                identical = false;
                break;
            }
            for (int k = 0; k < a.size(); k++) identical &= java.util.Arrays.equals(a.get(k), b.get(k));
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("load", o.headline());
        out.put("jobs", trace.size());
        out.put("repeated_jobs", repeated);
        out.put("rows_without_dedup", off.rows());
        out.put("rows_with_dedup", on.rows());
        out.put("rows_saved_fraction", off.rows() == 0 ? 0.0 : 1.0 - on.rows() / (double) off.rows());
        out.put("bytes_identical", identical);
        out.put("p99_ms_without_dedup", off.result().p99Ms());
        out.put("p99_ms_with_dedup", on.result().p99Ms());
        return out;
    }

    /** Saturation on the simulated device: enough jobs in flight to fill every call, rows/s against the capacity. */
    private static double closedLoopEfficiency(AnalyticGaussianModel model, SimulatedDevice.CostModel cost, Options o,
                                               double capacity) {
        SchedulerOptions options = o.scheduler().withMode(BatchingMode.CONTINUOUS);
        int target = ClosedLoop.inFlightTarget(options);
        MixJobFactory jobs = new MixJobFactory(model.info(), o.mix());
        java.util.SplittableRandom random = new java.util.SplittableRandom(o.seed());
        SimulatedDevice[] device = new SimulatedDevice[1];
        long[] next = {0};
        int classes = model.info().numClasses();
        Runnable submit = () -> device[0].submitAt(device[0].nanoTime(), jobs.job("closed-" + next[0]++,
                o.mix().pick(random.nextDouble()), classes > 0 ? random.nextInt(classes) : -1, random.nextLong(), null));
        SchedulerListener listener = new SchedulerListener() {
            @Override
            public void onCompleted(JobOutcome outcome) {
                submit.run();
            }
        };
        long window = (long) (Math.max(20, 5 * target * o.mix().meanRowsPerJob(model.info().supportsGuidance()) / capacity) * 1e9);
        try (SimulatedDevice sim = new SimulatedDevice(options, ModelProvider.of(model), cost, listener)) {
            device[0] = sim;
            for (int i = 0; i < target; i++) submit.run();
            sim.run(window / 4);
            long rows0 = sim.rows(), t0 = sim.nanoTime();
            sim.run(window);
            double rowsPerSecond = (sim.rows() - rows0) / ((sim.nanoTime() - t0) / 1e9);
            return rowsPerSecond / (o.scheduler().maxBatchRows() * 1e9 / cost.callNanos(o.scheduler().maxBatchRows()));
        }
    }

    static Map<String, Object> ratioByKind(OpenLoop.ModeResult c, OpenLoop.ModeResult r) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (int k = 0; k < c.byKind().size(); k++) {
            out.put(c.byKind().get(k).kind(), c.byKind().get(k).p99Ms() / r.byKind().get(k).p99Ms());
        }
        return out;
    }

    private static Map<String, Object> kindMap(WorkloadMix mix, double[] values) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (int k = 0; k < values.length; k++) out.put(mix.entries().get(k).name(), values[k]);
        return out;
    }

    static Map<String, Object> modeJson(OpenLoop.ModeResult m) {
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("p50_ms", m.p50Ms());
        j.put("p99_ms", m.p99Ms());
        j.put("mean_ms", m.meanMs());
        j.put("jobs_per_s", m.jobsPerSecond());
        j.put("mean_batch_rows", m.meanBatchRows());
        j.put("offered", m.offered());
        j.put("unfinished", m.unfinished());
        j.put("latency_percentiles_are_lower_bounds", m.latencyCensored());
        j.put("slo_attainment", m.sloAttainment());
        Map<String, Object> kinds = new LinkedHashMap<>();
        for (OpenLoop.KindLatency k : m.byKind()) {
            Map<String, Object> kj = new LinkedHashMap<>();
            kj.put("jobs", k.jobs());
            kj.put("p50_ms", k.p50Ms());
            kj.put("p99_ms", k.p99Ms());
            kj.put("mean_ms", k.meanMs());
            kinds.put(k.kind(), kj);
        }
        j.put("by_kind", kinds);
        return j;
    }

    /** {@code batching-latency-vs-load-simulated.png}: p99 per job kind against load, per mode. */
    private static Path writePlot(Path dir, Map<String, Map<Double, OpenLoop.ModeResult>> sweep, Options o, String costName)
            throws IOException {
        List<Charts.Series> series = new ArrayList<>();
        String headline = "continuous-" + o.scheduler().policy().name().toLowerCase();
        for (String label : List.of(headline, "continuous-round_robin", "request")) {
            Map<Double, OpenLoop.ModeResult> byLoad = sweep.get(label);
            if (byLoad == null) continue;
            List<Double> loads = new ArrayList<>(byLoad.keySet());
            for (int k = 0; k < o.mix().entries().size(); k++) {
                int kind = k;
                List<Double> p99 = loads.stream().map(l -> Math.max(1e-3, byLoad.get(l).byKind().get(kind).p99Ms())).toList();
                series.add(new Charts.Series(label + " " + o.mix().entries().get(k).name() + " p99", loads, p99));
            }
            List<Double> p50 = loads.stream().map(l -> Math.max(1e-3, byLoad.get(l).p50Ms())).toList();
            series.add(new Charts.Series(label + " all p50", loads, p50));
        }
        return Charts.line(dir.resolve("batching-latency-vs-load-simulated.png"),
                "Simulated device (" + costName + "): latency against load", "load (fraction of capacity)",
                "latency (ms, log)", false, true, series);
    }
}
