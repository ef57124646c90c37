package dev.flowline.model;

/**
 * A latent model's encoder (image-to-image jobs): rows of pixels in, in the range of its stage's {@code valueRange},
 * rows of latents out. Thread-safe: the job intake calls it on worker threads while the device thread runs the model.
 */
public interface LatentEncoder {
    /** The manifest's {@code encoder}: the pixel shape it takes and their value range. */
    PipelineStage stage();

    /** Floats per pixel row. */
    int inputDim();

    /** Floats per latent row (the model's sample dimension). */
    int outputDim();

    /** Encodes {@code rows} rows of {@code in} (row-major) into {@code out}; throws on any engine failure. */
    void run(int rows, float[] in, float[] out);
}
