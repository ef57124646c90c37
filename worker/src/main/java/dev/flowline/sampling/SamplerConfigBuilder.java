package dev.flowline.sampling;

import java.util.Map;
import java.util.OptionalInt;

/**
 * Builds a {@link SamplerConfig} from a job's loosely typed fields (names as strings, parameters as maps, absent
 * values as {@code null}). Every option is optional ({@code opt*}); {@link #build()} validates and throws
 * {@link InvalidSamplerException} naming the field.
 *
 * <p>Defaults: solver {@link SamplerConfig#DEFAULT_SOLVER}, uniform schedule, {@link SamplerConfig#DEFAULT_STEPS}
 * steps when a fixed-step solver on a uniform or shifted grid has neither steps nor budget, no guidance, no
 * stochasticity, {@link AdaptiveOptions#DEFAULT}, {@link SamplerLimits#DEFAULT}.
 */
public final class SamplerConfigBuilder {

    private String solver;
    private Integer steps;
    private Integer nfeBudget;
    private String schedule;
    private Map<String, Double> scheduleParams = Map.of();
    private double[] times;
    private double guidanceScale = 1.0;
    private double[] guidanceInterval;
    private double stochasticity = 0.0;
    private Map<String, Double> solverParams = Map.of();
    private SamplerLimits limits = SamplerLimits.DEFAULT;

    SamplerConfigBuilder() {
    }

    /** Solver name, see {@link Solver#parse}; {@code null} means the default. */
    public SamplerConfigBuilder optSolver(String name) {
        this.solver = name;
        return this;
    }

    public SamplerConfigBuilder optSolver(Solver solver) {
        this.solver = solver.id();
        return this;
    }

    /** Grid steps; {@code null} means not given. */
    public SamplerConfigBuilder optSteps(Integer steps) {
        this.steps = steps;
        return this;
    }

    /** Evaluation budget instead of steps; {@code null} means not given. */
    public SamplerConfigBuilder optNfeBudget(Integer nfeBudget) {
        this.nfeBudget = nfeBudget;
        return this;
    }

    /** Schedule name ({@code uniform}, {@code shifted} or a model's named grid) and its parameters. */
    public SamplerConfigBuilder optSchedule(String name, Map<String, Double> params) {
        this.schedule = name;
        this.scheduleParams = params == null ? Map.of() : Map.copyOf(params);
        return this;
    }

    /** An explicit grid from 0 to 1; excludes a schedule name. */
    public SamplerConfigBuilder optTimes(double[] times) {
        this.times = times == null ? null : times.clone();
        return this;
    }

    public SamplerConfigBuilder optGuidanceScale(double w) {
        this.guidanceScale = w;
        return this;
    }

    public SamplerConfigBuilder optGuidanceInterval(double start, double end) {
        this.guidanceInterval = new double[] {start, end};
        return this;
    }

    public SamplerConfigBuilder optStochasticity(double epsilon) {
        this.stochasticity = epsilon;
        return this;
    }

    /** Solver parameters ({@code rtol, atol, minStep, maxStep, maxNfe}), for adaptive solvers only. */
    public SamplerConfigBuilder optSolverParams(Map<String, Double> params) {
        this.solverParams = params == null ? Map.of() : Map.copyOf(params);
        return this;
    }

    public SamplerConfigBuilder optLimits(SamplerLimits limits) {
        this.limits = limits;
        return this;
    }

    public SamplerConfig build() {
        Solver s = solver == null ? SamplerConfig.DEFAULT_SOLVER : Solver.parse(solver);
        SamplerConfig.rejectSolverParams(s, solverParams);
        AdaptiveOptions adaptive = AdaptiveOptions.parse(solverParams);
        if (times != null && schedule != null && !schedule.isBlank()) {
            throw new InvalidSamplerException("times", "give either times or schedule '" + schedule + "', not both");
        }
        if (times != null && !scheduleParams.isEmpty()) {
            throw new InvalidSamplerException("scheduleParams." + scheduleParams.keySet().iterator().next(),
                    "an explicit time grid takes no schedule parameters");
        }
        Schedule sched = times != null ? new Schedule.Explicit(times) : Schedule.parse(schedule, scheduleParams);
        GuidanceInterval interval = guidanceInterval == null
                ? GuidanceInterval.ALWAYS : new GuidanceInterval(guidanceInterval[0], guidanceInterval[1]);
        OptionalInt stepsOpt = steps == null ? OptionalInt.empty() : OptionalInt.of(steps);
        OptionalInt budgetOpt = nfeBudget == null ? OptionalInt.empty() : OptionalInt.of(nfeBudget);
        if (!s.isAdaptive() && !s.isModelDefined() && sched.takesStepCount() && stepsOpt.isEmpty() && budgetOpt.isEmpty()) {
            stepsOpt = OptionalInt.of(SamplerConfig.DEFAULT_STEPS);
        }
        return new SamplerConfig(s, sched, stepsOpt, budgetOpt, guidanceScale, interval, stochasticity, adaptive, limits);
    }
}
