package dev.flowline.sampling;

/**
 * A {@link SamplerConfig} made ready to run: the time grid resolved once (named grids looked up and checked),
 * shared by every sample of a job. Immutable and thread-safe; the sample states it makes are not.
 *
 * <pre>{@code
 * Sampler sampler = Sampler.of(config, registry::namedGrid);
 * SampleState s = sampler.newSample(model.dim(), job.seed(), i, label);   // one per sample
 * }</pre>
 *
 * <p><b>Precision.</b> A sample's state, stage velocities and history are float64; the rows handed to the model and
 * the result are float32. Rounding the rows each evaluation adds an error of order 1e-7 relative, far below any
 * useful discretisation error, while float64 accumulation keeps long step sequences and the convergence order of
 * high-order solvers intact.
 *
 * <p><b>Determinism.</b> A sample's initial noise is {@link GaussianNoise#initialNoise}{@code (seed, sampleIndex)}
 * and its SDE noise comes from the same counter-based generator; nothing depends on other samples, batch
 * composition or call order. Given a velocity field whose rows do not influence each other, a sample is
 * bit-identical alone or batched, on every run and JVM.
 */
public final class Sampler {

    private final SamplerConfig config;
    /** The resolved grid of a fixed-step solver; {@code null} for an adaptive one. */
    private final double[] grid;
    /** The model's learned solver chosen for {@link Solver#BESPOKE}; {@code null} otherwise. */
    private final BespokeSolver bespoke;

    private Sampler(SamplerConfig config, double[] grid, BespokeSolver bespoke) {
        this.config = config;
        this.grid = grid;
        this.bespoke = bespoke;
    }

    /** A sampler whose schedule does not name a model's grid. */
    public static Sampler of(SamplerConfig config) {
        return of(config, NamedSchedules.NONE);
    }

    /**
     * Resolves the configuration's time grid.
     *
     * @param named the model's named grids (from the model registry)
     * @throws InvalidSamplerException for an unknown or invalid named schedule ({@code schedule}) or one that
     *                                 conflicts with {@code steps}, {@code nfeBudget} or the limits
     */
    public static Sampler of(SamplerConfig config, NamedSchedules named) {
        if (config.solver().isAdaptive()) return new Sampler(config, null, null);
        if (config.solver().isModelDefined()) {
            BespokeSolver b = chooseBespoke(config, named);
            SamplerConfig.checkGridSteps(b.steps(), "steps", b, config.steps(), config.nfeBudget(), config.limits());
            double[] grid = new double[b.steps() + 1];
            int stages = b.base().stages();
            for (int k = 0; k < b.steps(); k++) grid[k] = b.tAt(k * stages);
            grid[b.steps()] = 1.0;
            return new Sampler(config, grid, b);
        }
        Schedule schedule = config.schedule();
        double[] grid = schedule.grid(config.stepsForSchedule(), named);
        if (schedule instanceof Schedule.Named) {
            SamplerConfig.checkGridSteps(grid.length - 1, "schedule", config.solver(), config.steps(),
                    config.nfeBudget(), config.limits());
        }
        return new Sampler(config, grid, null);
    }

    /**
     * The model's learned solver for a {@code bespoke} job: the one the schedule names; else the one with the asked
     * step count (of those, the highest-order base); else the most evaluations within {@code nfeBudget}; else the one
     * with the most evaluations.
     */
    private static BespokeSolver chooseBespoke(SamplerConfig config, NamedSchedules named) {
        java.util.List<BespokeSolver> all = named.bespokeSolvers();
        String shipped = all.isEmpty() ? "none" : all.stream().map(BespokeSolver::toString)
                .collect(java.util.stream.Collectors.joining(", "));
        if (all.isEmpty()) throw new InvalidSamplerException("solver", "the model ships no bespoke solver");
        java.util.Comparator<BespokeSolver> better = java.util.Comparator.comparingInt((BespokeSolver b) -> b.evaluations())
                .thenComparingInt(b -> b.order());
        if (config.schedule() instanceof Schedule.Named n) {
            return all.stream().filter(b -> b.name().equals(n.name())).findFirst().orElseThrow(() ->
                    new InvalidSamplerException("schedule", "the model ships no bespoke solver named '" + n.name()
                            + "'; it ships: " + shipped));
        }
        if (config.steps().isPresent()) {
            int steps = config.steps().getAsInt();
            return all.stream().filter(b -> b.steps() == steps).max(java.util.Comparator.comparingInt((BespokeSolver b) -> b.order()))
                    .orElseThrow(() -> new InvalidSamplerException("steps", "the model ships no bespoke solver with "
                            + steps + " steps; it ships: " + shipped));
        }
        if (config.nfeBudget().isPresent()) {
            int budget = config.nfeBudget().getAsInt();
            return all.stream().filter(b -> b.evaluations() <= budget).max(better)
                    .orElseThrow(() -> new InvalidSamplerException("nfeBudget", "every bespoke solver of the model needs more than "
                            + budget + " evaluations; it ships: " + shipped));
        }
        return all.stream().max(better).orElseThrow();
    }

    /** The solver's numbers as run: the model's chosen {@link BespokeSolver} for {@code bespoke}, else the solver's own. */
    public SolverMethod method() {
        return bespoke != null ? bespoke : config.solver().method();
    }

    /** The name of what runs: the learned solver's own name (e.g. {@code bespoke-midpoint-4}) or the solver id. */
    public String solverName() {
        return bespoke != null ? bespoke.name() : config.solver().id();
    }

    public SamplerConfig config() {
        return config;
    }

    /** The time grid (a copy), or an empty array for an adaptive solver, which makes its own. */
    public double[] grid() {
        return grid == null ? new double[0] : grid.clone();
    }

    /** Grid steps of a fixed-step solver; 0 for an adaptive one. */
    public int steps() {
        return grid == null ? 0 : grid.length - 1;
    }

    /** Evaluations one sample uses: exactly, for a fixed-step solver; at most, for an adaptive one. */
    public int maxNfe() {
        return grid == null ? config.adaptiveNfeCap() : method().evaluations(steps());
    }

    /**
     * A new sample, at t = 0 with its initial noise.
     *
     * @param dim         floats per sample
     * @param seed        the job's seed
     * @param sampleIndex the sample's index in the job, ≥ 0
     * @param label       class label, or {@link VelocityField#NO_LABEL} for an unconditional sample
     */
    public SampleState newSample(int dim, long seed, int sampleIndex, int label) {
        return newSample(dim, seed, sampleIndex, label, null);
    }

    /**
     * A new image-to-image sample: at {@code start.t0()} from {@code (1 − t0)·noise(seed, i) + t0·latent}, integrated
     * to 1 on this sampler's grid mapped onto [t0, 1] (same step count; see {@link PartialStart#rescale}); an adaptive
     * solver starts its own steps at t0. At t0 = 1 the sample is already finished (the latent itself); at t0 = 0, or
     * with {@code start} null, it is exactly {@link #newSample(int, long, int, int)}.
     *
     * @throws InvalidSamplerException ({@code solver}) for a bespoke solver with t0 &gt; 0: its learned times span [0, 1]
     */
    public SampleState newSample(int dim, long seed, int sampleIndex, int label, PartialStart start) {
        return newSample(dim, seed, sampleIndex, label, start, null);
    }

    /**
     * As {@link #newSample(int, long, int, int, PartialStart)} for a vector-conditioned model: {@code vector} (shared by
     * the job's samples, never written) conditions every row labelled ≥ 0; give label 0 with a vector (guidance then
     * pairs it with the model's null vector) and {@link VelocityField#NO_LABEL} without one (the null vector throughout).
     */
    public SampleState newSample(int dim, long seed, int sampleIndex, int label, PartialStart start, float[] vector) {
        if (dim < 1) throw new IllegalArgumentException("dim must be >= 1, got " + dim);
        if (sampleIndex < 0) throw new IllegalArgumentException("sampleIndex must be >= 0, got " + sampleIndex);
        if (label < VelocityField.NO_LABEL) {
            throw new InvalidSamplerException("classLabel", "must be >= 0, or absent for unconditional, got " + label);
        }
        if (start != null && start.t0() == 0) start = null; // strength 1: bit for bit the sample from pure noise
        if (start != null && start.latent().length != dim) {
            throw new IllegalArgumentException("the start latent has " + start.latent().length + " floats, dim is " + dim);
        }
        if (start != null && bespoke != null) {
            throw new InvalidSamplerException("solver", "a bespoke solver's learned times span [0, 1]; an image-to-image "
                    + "sample starts at t = " + start.t0() + " (use a fixed-step or adaptive solver)");
        }
        if (start != null && start.t0() == 1) return new FinishedSample(start.latent());
        double[] x0 = GaussianNoise.initialNoise(seed, sampleIndex, dim);
        double[] steps = grid;
        double t0 = 0;
        if (start != null) {
            x0 = start.mix(x0);
            steps = grid == null ? null : start.rescale(grid);
            t0 = start.t0();
        }
        MarginalPreservingSde sde = config.stochasticity() > 0
                ? new MarginalPreservingSde(config.stochasticity(), seed, sampleIndex) : null;
        Stepper stepper = switch (method()) {
            case ButcherTableau t when t.isEmbedded() -> new AdaptiveStepper(t, x0, t0, config.adaptive(), config.adaptiveNfeCap());
            case ButcherTableau t -> new FixedStepper(t, steps, x0, sde);
            case MultistepRule r -> new MultistepStepper(r, steps, x0);
            case FlowMapRule f -> new FlowMapStepper(steps, x0);
            case BespokeSolver b -> new BespokeStepper(b, x0);
        };
        return new FlowSampleState(stepper, dim, label, config.guidanceScale(), config.guidanceInterval(), sde, vector);
    }
}
