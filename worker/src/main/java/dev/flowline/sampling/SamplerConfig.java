package dev.flowline.sampling;

import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * A validated, immutable description of how to sample: which solver, on which time grid, with what guidance and
 * noise. Everything a job may get wrong is checked here (or, for registry-named grids, in {@link Sampler#of}) and
 * reported as an {@link InvalidSamplerException} naming the field.
 *
 * <p><b>Step count.</b> {@code steps} counts grid steps. {@code nfeBudget} is the alternative: the largest step count
 * whose cost fits, where a fixed-step solver costs {@link SolverMethod#evaluations} (stages × steps; Heun 2 per step
 * including its last; AB3 one extra for its Heun start) and a guided evaluation counts once. Give at most one of
 * the two. Explicit and named grids fix the step count themselves; {@code steps} may then be given only if it agrees,
 * and an {@code nfeBudget} must cover the grid.
 *
 * <p><b>Adaptive solvers</b> ({@code dopri5}) choose their own steps: a step count or a non-uniform schedule is an
 * error, and {@code nfeBudget} lowers the evaluation cap {@code adaptive.maxNfe()}.
 *
 * <p><b>Stochasticity</b> &gt; 0 selects the marginal-preserving SDE (see {@code MarginalPreservingSde}), available
 * with the one-step fixed-grid solvers only.
 *
 * @param solver           the solver
 * @param schedule         how the time grid is made
 * @param steps            grid steps, if given
 * @param nfeBudget        evaluation budget, if given instead of steps
 * @param guidanceScale    classifier-free guidance weight w ≥ 0; 1 means no guidance (one row per evaluation)
 * @param guidanceInterval where guidance applies
 * @param stochasticity    SDE churn ε ≥ 0; 0 is the deterministic ODE
 * @param adaptive         step-size control of adaptive solvers ({@link AdaptiveOptions#DEFAULT} otherwise)
 * @param limits           the worker's caps
 */
public record SamplerConfig(Solver solver, Schedule schedule, OptionalInt steps, OptionalInt nfeBudget,
                            double guidanceScale, GuidanceInterval guidanceInterval, double stochasticity,
                            AdaptiveOptions adaptive, SamplerLimits limits) {

    public static final Solver DEFAULT_SOLVER = Solver.HEUN;
    /** Steps when a fixed-step job gives neither steps nor a budget (the Kafka side fills in the model's default). */
    public static final int DEFAULT_STEPS = 32;

    public SamplerConfig {
        Objects.requireNonNull(solver, "solver");
        Objects.requireNonNull(schedule, "schedule");
        Objects.requireNonNull(steps, "steps");
        Objects.requireNonNull(nfeBudget, "nfeBudget");
        Objects.requireNonNull(guidanceInterval, "guidanceInterval");
        Objects.requireNonNull(adaptive, "adaptive");
        Objects.requireNonNull(limits, "limits");
        InvalidSamplerException.requireFiniteNonNegative("guidanceScale", guidanceScale);
        InvalidSamplerException.requireFiniteNonNegative("stochasticity", stochasticity);
        if (stochasticity > 0 && (solver.isModelDefined() || !(solver.method() instanceof ButcherTableau t && !t.isEmbedded()))) {
            throw new InvalidSamplerException("stochasticity", "the SDE sampler runs with euler, midpoint, heun, "
                    + "ralston3 or rk4, not " + solver.id());
        }
        if (steps.isPresent() && nfeBudget.isPresent()) {
            throw new InvalidSamplerException("nfeBudget", "give steps or nfeBudget, not both");
        }
        if (steps.isPresent() && (steps.getAsInt() < 1 || steps.getAsInt() > limits.maxSteps())) {
            throw new InvalidSamplerException("steps", "must be in [1, " + limits.maxSteps() + "], got " + steps.getAsInt());
        }
        if (nfeBudget.isPresent() && (nfeBudget.getAsInt() < 1 || nfeBudget.getAsInt() > limits.maxNfe())) {
            throw new InvalidSamplerException("nfeBudget", "must be in [1, " + limits.maxNfe() + "], got " + nfeBudget.getAsInt());
        }
        if (solver.isAdaptive()) {
            checkAdaptive(solver, schedule, steps, adaptive, limits);
        } else if (solver.isModelDefined()) {
            // The model's catalogue decides which step counts exist; Sampler.of checks the choice and its cost.
            if (!(schedule instanceof Schedule.Uniform) && !(schedule instanceof Schedule.Named)) {
                throw new InvalidSamplerException(schedule instanceof Schedule.Explicit ? "times" : "schedule",
                        solver.id() + " solvers carry their own times; schedule " + schedule + " does not apply "
                                + "(a schedule may name one of the model's bespoke solvers)");
            }
        } else {
            if (schedule.takesStepCount() && steps.isEmpty() && nfeBudget.isEmpty()) {
                throw new InvalidSamplerException("steps", "required (or nfeBudget) for schedule " + schedule);
            }
            if (schedule.fixedSteps() >= 0) {
                checkGridSteps(schedule.fixedSteps(), "times", solver, steps, nfeBudget, limits);
            } else if (nfeBudget.isPresent()) {
                plannedSteps(solver, nfeBudget.getAsInt(), limits);
            } else if (steps.isPresent()) {
                checkCost(solver, steps.getAsInt(), "steps", limits);
            }
        }
    }

    /** A builder over the defaults, parsing the wire format's strings and maps. */
    public static SamplerConfigBuilder builder() {
        return new SamplerConfigBuilder();
    }

    /**
     * Grid steps of a fixed-step sampler when the schedule leaves the count to the configuration: {@code steps}, or
     * the most steps {@code nfeBudget} pays for.
     */
    int stepsForSchedule() {
        if (steps.isPresent()) return steps.getAsInt();
        if (nfeBudget.isPresent()) return plannedSteps(solver, nfeBudget.getAsInt(), limits);
        return DEFAULT_STEPS;
    }

    /** The evaluation cap of an adaptive sample: {@code adaptive.maxNfe()}, lowered by {@code nfeBudget}. */
    int adaptiveNfeCap() {
        return Math.min(adaptive.maxNfe(), nfeBudget.orElse(Integer.MAX_VALUE));
    }

    /** Checks a grid whose step count is fixed by the grid itself (explicit or, once resolved, named). */
    static void checkGridSteps(int gridSteps, String gridField, Solver solver, OptionalInt steps,
                               OptionalInt nfeBudget, SamplerLimits limits) {
        checkGridSteps(gridSteps, gridField, solver.method(), steps, nfeBudget, limits);
    }

    static void checkGridSteps(int gridSteps, String gridField, SolverMethod solver, OptionalInt steps,
                               OptionalInt nfeBudget, SamplerLimits limits) {
        if (steps.isPresent() && steps.getAsInt() != gridSteps) {
            throw new InvalidSamplerException("steps", steps.getAsInt() + " disagrees with the " + gridSteps
                    + " steps of the given time grid");
        }
        if (gridSteps > limits.maxSteps()) {
            throw new InvalidSamplerException(gridField, "the grid has " + gridSteps + " steps, more than the limit "
                    + limits.maxSteps());
        }
        int cost = solver.evaluations(gridSteps);
        if (nfeBudget.isPresent() && cost > nfeBudget.getAsInt()) {
            throw new InvalidSamplerException("nfeBudget", solver.name() + " needs " + cost + " evaluations for the "
                    + gridSteps + " steps of the given grid, more than the budget " + nfeBudget.getAsInt());
        }
        checkCost(solver, gridSteps, gridField, limits);
    }

    private static void checkCost(Solver solver, int gridSteps, String field, SamplerLimits limits) {
        checkCost(solver.method(), gridSteps, field, limits);
    }

    private static void checkCost(SolverMethod solver, int gridSteps, String field, SamplerLimits limits) {
        int cost = solver.evaluations(gridSteps);
        if (gridSteps > limits.maxSteps()) {
            throw new InvalidSamplerException(field, solver.name() + " has " + gridSteps + " steps, more than the limit " + limits.maxSteps());
        }
        if (cost > limits.maxNfe()) {
            throw new InvalidSamplerException(field, solver.name() + " needs " + cost + " evaluations for " + gridSteps
                    + " steps, more than the limit " + limits.maxNfe());
        }
    }

    /** The largest step count whose cost fits the budget (cost is increasing in steps). */
    private static int plannedSteps(Solver solver, int budget, SamplerLimits limits) {
        SolverMethod m = solver.method();
        if (m.evaluations(1) > budget) {
            throw new InvalidSamplerException("nfeBudget", solver.id() + " needs at least " + m.evaluations(1)
                    + " evaluations for one step, budget is " + budget);
        }
        int lo = 1, hi = limits.maxSteps();
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (m.evaluations(mid) <= budget) lo = mid; else hi = mid - 1;
        }
        return lo;
    }

    private static void checkAdaptive(Solver solver, Schedule schedule, OptionalInt steps, AdaptiveOptions adaptive,
                                      SamplerLimits limits) {
        if (steps.isPresent()) {
            throw new InvalidSamplerException("steps", solver.id() + " chooses its own steps; "
                    + "bound its cost with nfeBudget or solverParams.maxNfe instead");
        }
        if (schedule instanceof Schedule.Explicit) {
            throw new InvalidSamplerException("times", solver.id() + " chooses its own steps; a time grid does not apply");
        }
        if (!(schedule instanceof Schedule.Uniform)) {
            throw new InvalidSamplerException("schedule", solver.id() + " chooses its own steps; schedule " + schedule
                    + " does not apply");
        }
        if (adaptive.maxNfe() > limits.maxNfe()) {
            throw new InvalidSamplerException("solverParams.maxNfe", "must be <= " + limits.maxNfe() + ", got "
                    + adaptive.maxNfe());
        }
    }

    /** Fixed-step configurations that set a solver parameter are rejected by the builder (field solverParams.*). */
    static void rejectSolverParams(Solver solver, Map<String, Double> params) {
        if (!solver.isAdaptive() && !params.isEmpty()) {
            String key = params.keySet().iterator().next();
            throw new InvalidSamplerException("solverParams." + key, "solver " + solver.id()
                    + " takes no parameters; only dopri5 takes rtol, atol, minStep, maxStep, maxNfe");
        }
    }
}
