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

    private Sampler(SamplerConfig config, double[] grid) {
        this.config = config;
        this.grid = grid;
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
        if (config.solver().isAdaptive()) return new Sampler(config, null);
        Schedule schedule = config.schedule();
        double[] grid = schedule.grid(config.stepsForSchedule(), named);
        if (schedule instanceof Schedule.Named) {
            SamplerConfig.checkGridSteps(grid.length - 1, "schedule", config.solver(), config.steps(),
                    config.nfeBudget(), config.limits());
        }
        return new Sampler(config, grid);
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
        return grid == null ? config.adaptiveNfeCap() : config.solver().method().evaluations(steps());
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
        if (dim < 1) throw new IllegalArgumentException("dim must be >= 1, got " + dim);
        if (sampleIndex < 0) throw new IllegalArgumentException("sampleIndex must be >= 0, got " + sampleIndex);
        if (label < VelocityField.NO_LABEL) {
            throw new InvalidSamplerException("classLabel", "must be >= 0, or absent for unconditional, got " + label);
        }
        double[] x0 = GaussianNoise.initialNoise(seed, sampleIndex, dim);
        MarginalPreservingSde sde = config.stochasticity() > 0
                ? new MarginalPreservingSde(config.stochasticity(), seed, sampleIndex) : null;
        Stepper stepper = switch (config.solver().method()) {
            case ButcherTableau t when t.isEmbedded() -> new AdaptiveStepper(t, x0, config.adaptive(), config.adaptiveNfeCap());
            case ButcherTableau t -> new FixedStepper(t, grid, x0, sde);
            case MultistepRule r -> new MultistepStepper(r, grid, x0);
        };
        return new FlowSampleState(stepper, dim, label, config.guidanceScale(), config.guidanceInterval(), sde);
    }
}
