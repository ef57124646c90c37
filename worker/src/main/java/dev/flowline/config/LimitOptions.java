package dev.flowline.config;

/**
 * Limits on what one job may ask for; a job beyond them is dead-lettered naming the field.
 *
 * @param maxSamples       samples per job
 * @param maxSteps         grid steps per sample (explicit grids: points - 1)
 * @param maxNfe           network evaluations per sample (fixed-step cost, nfeBudget, adaptive solvers' cap)
 * @param maxMetadataBytes UTF-8 bytes of the request's metadata map (keys + values), echoed in the result
 * @param maxResultBytes   encoded size of one result record; larger results fail with RESULT_TOO_LARGE
 * @param maxGuidanceScale largest classifier-free guidance weight w a job may ask for (w must also be >= 0; 1 = none).
 *                         Beyond a few tens the guided velocity grows without bound and the solver ends in NaN or
 *                         infinite values: such a request is the caller's error, rejected up front
 */
public record LimitOptions(int maxSamples, int maxSteps, int maxNfe, int maxMetadataBytes, int maxResultBytes,
                           double maxGuidanceScale) {
    public static final int DEFAULT_MAX_SAMPLES = 64;
    public static final int DEFAULT_MAX_STEPS = 1000;
    public static final int DEFAULT_MAX_NFE = 4000;
    public static final int DEFAULT_MAX_METADATA_BYTES = 8192;
    /** Just under Kafka's default 1 MiB max.request.size / message.max.bytes, leaving room for headers and framing. */
    public static final int DEFAULT_MAX_RESULT_BYTES = 1_000_000;
    /** Guidance weights used in practice are 1-10; 20 leaves room and stays far from overflow. */
    public static final double DEFAULT_MAX_GUIDANCE_SCALE = 20.0;

    public LimitOptions {
        if (maxSamples < 1) throw new ConfigException("limits.maxSamples", maxSamples, "must be >= 1");
        if (maxSteps < 1) throw new ConfigException("limits.maxSteps", maxSteps, "must be >= 1");
        if (maxNfe < 1) throw new ConfigException("limits.maxNfe", maxNfe, "must be >= 1");
        if (maxMetadataBytes < 0) throw new ConfigException("limits.maxMetadataBytes", maxMetadataBytes, "must be >= 0");
        if (maxResultBytes < 1024) throw new ConfigException("limits.maxResultBytes", maxResultBytes, "must be >= 1024");
        if (!(maxGuidanceScale >= 1 && maxGuidanceScale <= 1000)) {
            throw new ConfigException("limits.maxGuidanceScale", maxGuidanceScale, "must be in [1, 1000]");
        }
    }

    public LimitOptions(int maxSamples, int maxSteps, int maxNfe, int maxMetadataBytes, int maxResultBytes) {
        this(maxSamples, maxSteps, maxNfe, maxMetadataBytes, maxResultBytes, DEFAULT_MAX_GUIDANCE_SCALE);
    }

    public static LimitOptions defaults() {
        return new LimitOptions(DEFAULT_MAX_SAMPLES, DEFAULT_MAX_STEPS, DEFAULT_MAX_NFE, DEFAULT_MAX_METADATA_BYTES, DEFAULT_MAX_RESULT_BYTES,
                DEFAULT_MAX_GUIDANCE_SCALE);
    }

    public LimitOptions withMaxResultBytes(int v) { return new LimitOptions(maxSamples, maxSteps, maxNfe, maxMetadataBytes, v, maxGuidanceScale); }
    public LimitOptions withMaxSamples(int v) { return new LimitOptions(v, maxSteps, maxNfe, maxMetadataBytes, maxResultBytes, maxGuidanceScale); }
    public LimitOptions withMaxGuidanceScale(double v) { return new LimitOptions(maxSamples, maxSteps, maxNfe, maxMetadataBytes, maxResultBytes, v); }
}
