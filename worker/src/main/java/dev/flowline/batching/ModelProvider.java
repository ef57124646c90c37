package dev.flowline.batching;

import dev.flowline.model.LatentDecoder;
import dev.flowline.model.VelocityModel;

import java.util.Optional;

/** Where the scheduler finds the model a job names (the model registry, or a fixed set in tests). */
@FunctionalInterface
public interface ModelProvider {
    Optional<VelocityModel> find(String name);

    /** The decoder of a latent model: its finished samples are decoded before the job ends. Empty for pixel models. */
    default Optional<LatentDecoder> decoder(String name) {
        return Optional.empty();
    }

    /** A provider of exactly one model, found by its name (benchmarks and tests). */
    static ModelProvider of(VelocityModel model) {
        String name = model.info().name();
        return n -> n.equals(name) ? Optional.of(model) : Optional.empty();
    }
}
