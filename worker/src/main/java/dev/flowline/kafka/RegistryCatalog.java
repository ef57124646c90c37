package dev.flowline.kafka;

import dev.flowline.model.LatentEncoder;
import dev.flowline.model.ModelInfo;
import dev.flowline.model.ModelRegistry;
import dev.flowline.model.PipelineStage;
import dev.flowline.model.VectorConditioning;

import java.util.Collection;
import java.util.Optional;

/** The {@link JobFactory}'s view of a {@link ModelRegistry}: what the worker serves, with its pipeline stages. */
public final class RegistryCatalog implements JobFactory.ModelCatalog {
    private final ModelRegistry registry;

    public RegistryCatalog(ModelRegistry registry) {
        this.registry = registry;
    }

    @Override
    public Optional<ModelInfo> info(String name) {
        return registry.names().contains(name) ? Optional.of(registry.info(name)) : Optional.empty();
    }

    @Override
    public Collection<String> names() {
        return registry.names();
    }

    @Override
    public Optional<PipelineStage> decoder(String name) {
        return registry.names().contains(name) ? registry.decoderStage(name) : Optional.empty();
    }

    @Override
    public Optional<VectorConditioning> vectorConditioning(String name) {
        return registry.names().contains(name) ? registry.vectorConditioning(name) : Optional.empty();
    }

    @Override
    public Optional<LatentEncoder> encoder(String name) {
        return registry.names().contains(name) ? registry.encoder(name) : Optional.empty();
    }
}
