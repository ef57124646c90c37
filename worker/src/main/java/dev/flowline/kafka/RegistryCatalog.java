package dev.flowline.kafka;

import dev.flowline.batching.ModelProvider;
import dev.flowline.model.LatentDecoder;
import dev.flowline.model.LatentEncoder;
import dev.flowline.model.ModelInfo;
import dev.flowline.model.ModelRegistry;
import dev.flowline.model.PipelineStage;
import dev.flowline.model.VectorConditioning;
import dev.flowline.model.VelocityModel;

import java.util.Collection;
import java.util.Optional;

/**
 * The worker's one answer to "is this model served?", over its {@link ModelRegistry}: the {@link JobFactory}'s view
 * (what the worker serves, with its pipeline stages) and, through {@link #provider()}, the scheduler's. Both ask
 * {@link #serves}, so a job that passed intake finds its model at admission, and a model unknown at intake is
 * rejected once, by {@link JobFactory#unknownModel}.
 */
public final class RegistryCatalog implements JobFactory.ModelCatalog {
    private final ModelRegistry registry;

    public RegistryCatalog(ModelRegistry registry) {
        this.registry = registry;
    }

    /** Whether the worker serves a model of this name. */
    public boolean serves(String name) {
        return registry.names().contains(name);
    }

    /** The scheduler's view of the same models: the velocity model and, for a latent model, its decoder. */
    public ModelProvider provider() {
        return new ModelProvider() {
            @Override
            public Optional<VelocityModel> find(String name) {
                return serves(name) ? Optional.of(registry.get(name)) : Optional.empty();
            }

            @Override
            public Optional<LatentDecoder> decoder(String name) {
                return serves(name) ? registry.decoder(name) : Optional.empty();
            }
        };
    }

    @Override
    public Optional<ModelInfo> info(String name) {
        return serves(name) ? Optional.of(registry.info(name)) : Optional.empty();
    }

    @Override
    public Collection<String> names() {
        return registry.names();
    }

    @Override
    public Optional<PipelineStage> decoder(String name) {
        return serves(name) ? registry.decoderStage(name) : Optional.empty();
    }

    @Override
    public Optional<VectorConditioning> vectorConditioning(String name) {
        return serves(name) ? registry.vectorConditioning(name) : Optional.empty();
    }

    @Override
    public Optional<LatentEncoder> encoder(String name) {
        return serves(name) ? registry.encoder(name) : Optional.empty();
    }
}
