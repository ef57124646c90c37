package dev.flowline.sampling;

/**
 * The worker's caps on what one sample may cost, configured per deployment rather than per job.
 *
 * @param maxSteps most grid steps of a fixed-step sampler
 * @param maxNfe   most velocity evaluations of one sample (fixed-step cost, nfeBudget, adaptive maxNfe)
 */
public record SamplerLimits(int maxSteps, int maxNfe) {

    public static final int DEFAULT_MAX_STEPS = 1000;
    public static final int DEFAULT_MAX_NFE = 4000;
    public static final SamplerLimits DEFAULT = new SamplerLimits(DEFAULT_MAX_STEPS, DEFAULT_MAX_NFE);

    public SamplerLimits {
        if (maxSteps < 1) throw new IllegalArgumentException("maxSteps must be >= 1, got " + maxSteps);
        if (maxNfe < 1) throw new IllegalArgumentException("maxNfe must be >= 1, got " + maxNfe);
    }
}
