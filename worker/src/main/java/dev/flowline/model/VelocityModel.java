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

    @Override
    void close();
}
