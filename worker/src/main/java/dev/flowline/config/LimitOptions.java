package dev.flowline.config;

/**
 * Limits on what one job may ask for; a job beyond them is dead-lettered naming the field.
 *
 * @param maxSamples       samples per job
 * @param maxSteps         grid steps per sample (explicit grids: points - 1)
 * @param maxNfe           network evaluations per sample (fixed-step cost, nfeBudget, adaptive solvers' cap)
 * @param maxMetadataBytes UTF-8 bytes of the request's metadata map (keys + values), echoed in the result
 * @param maxResultBytes   encoded size of one result record; larger results fail with RESULT_TOO_LARGE
 */
public record LimitOptions(int maxSamples, int maxSteps, int maxNfe, int maxMetadataBytes, int maxResultBytes) {
    public static final int DEFAULT_MAX_SAMPLES = 64;
    public static final int DEFAULT_MAX_STEPS = 1000;
    public static final int DEFAULT_MAX_NFE = 4000;
    public static final int DEFAULT_MAX_METADATA_BYTES = 8192;
    /** Just under Kafka's default 1 MiB max.request.size / message.max.bytes, leaving room for headers and framing. */
    public static final int DEFAULT_MAX_RESULT_BYTES = 1_000_000;

    public LimitOptions {
        if (maxSamples < 1) throw new ConfigException("limits.maxSamples", maxSamples, "must be >= 1");
        if (maxSteps < 1) throw new ConfigException("limits.maxSteps", maxSteps, "must be >= 1");
        if (maxNfe < 1) throw new ConfigException("limits.maxNfe", maxNfe, "must be >= 1");
        if (maxMetadataBytes < 0) throw new ConfigException("limits.maxMetadataBytes", maxMetadataBytes, "must be >= 0");
        if (maxResultBytes < 1024) throw new ConfigException("limits.maxResultBytes", maxResultBytes, "must be >= 1024");
    }

    public static LimitOptions defaults() {
        return new LimitOptions(DEFAULT_MAX_SAMPLES, DEFAULT_MAX_STEPS, DEFAULT_MAX_NFE, DEFAULT_MAX_METADATA_BYTES, DEFAULT_MAX_RESULT_BYTES);
    }

    public LimitOptions withMaxResultBytes(int v) { return new LimitOptions(maxSamples, maxSteps, maxNfe, maxMetadataBytes, v); }
    public LimitOptions withMaxSamples(int v) { return new LimitOptions(v, maxSteps, maxNfe, maxMetadataBytes, maxResultBytes); }
}
