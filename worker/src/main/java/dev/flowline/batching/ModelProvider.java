package dev.flowline.batching;

import dev.flowline.model.VelocityModel;

import java.util.Optional;

/** Where the scheduler finds the model a job names (the model registry, or a fixed set in tests). */
@FunctionalInterface
public interface ModelProvider {
    Optional<VelocityModel> find(String name);
}
