package dev.flowline.model;

import dev.flowline.sampling.VelocityField;

/**
 * A loaded model: a {@link VelocityField} with a description. Implementations own their engine resources
 * (DJL models, NDManagers) and release them in {@link #close()}; a call to {@code velocity} opens and closes
 * its own per-call NDManager so that nothing accumulates between calls.
 *
 * <p>Not thread-safe unless the implementation says so: the scheduler calls a model from one device thread.
 */
public interface VelocityModel extends VelocityField, AutoCloseable {

    /** Name, shape, conditioning and defaults of this model. */
    ModelInfo info();

    /** Floats per sample (the product of {@code info().sampleShape()}). */
    default int dim() {
        return info().dim();
    }

    /** The conditioning vector a vector-conditioned model takes per row; empty for every other model. */
    default java.util.Optional<VectorConditioning> vectorConditioning() {
        return java.util.Optional.empty();
    }

    /**
     * A call with each row's conditioning vector ({@code rows × vectorConditioning().dim()} floats, row-major) for a
     * vector-conditioned model; a row labelled {@link #NO_LABEL} takes the model's null vector instead. Other models
     * ignore {@code vectors}.
     */
    default void velocity(int rows, float[] x, float[] t, float[] r, int[] labels, float[] vectors, float[] out) {
        velocity(rows, x, t, r, labels, out);
    }

    @Override
    void close();
}
