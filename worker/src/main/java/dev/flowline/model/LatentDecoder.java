package dev.flowline.model;

/**
 * A latent model's decoder as the scheduler sees it: rows of latents in, rows of pixels out, in one call. Rows are
 * independent, so decoding many jobs' latents together gives each row what decoding it alone gives.
 */
public interface LatentDecoder {
    /** The manifest's {@code decoder}: shapes and the value range of the pixels it produces. */
    PipelineStage stage();

    /** Floats per latent row (the model's sample dimension). */
    int inputDim();

    /** Floats per decoded row. */
    int outputDim();

    /** Decodes {@code rows} rows of {@code in} (row-major) into {@code out}; throws on any engine failure. */
    void run(int rows, float[] in, float[] out);
}
