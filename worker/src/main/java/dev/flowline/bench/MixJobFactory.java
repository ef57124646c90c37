package dev.flowline.bench;

import dev.flowline.batching.Job;
import dev.flowline.model.ModelInfo;
import dev.flowline.sampling.SampleState;
import dev.flowline.sampling.Sampler;
import dev.flowline.sampling.VelocityField;

import java.util.ArrayList;
import java.util.List;

/** Turns workload-mix choices into scheduler jobs for one model; the samplers are resolved once per mix entry. */
final class MixJobFactory {
    private final String model;
    private final int dim;
    private final int numClasses;
    private final WorkloadMix mix;
    private final Sampler[] samplers;

    MixJobFactory(ModelInfo info, WorkloadMix mix) {
        this.model = info.name();
        this.dim = info.dim();
        this.numClasses = info.numClasses();
        this.mix = mix;
        this.samplers = new Sampler[mix.entries().size()];
        for (int i = 0; i < samplers.length; i++) {
            samplers[i] = Sampler.of(mix.entries().get(i).samplerConfig(info.supportsGuidance()));
        }
    }

    /** A job of mix entry {@code entry}; {@code label} is used only when the model has classes. */
    Job job(String id, int entry, int label, long seed, Object attachment) {
        int samples = mix.entries().get(entry).samples();
        int sampleLabel = numClasses > 0 ? Math.floorMod(label, numClasses) : VelocityField.NO_LABEL;
        List<SampleState> states = new ArrayList<>(samples);
        for (int i = 0; i < samples; i++) states.add(samplers[entry].newSample(dim, seed, i, sampleLabel));
        // As the Kafka edge keys them: request-level batching only runs like samplers together.
        WorkloadMix.Entry e = mix.entries().get(entry);
        String samplerKey = e.solver().id() + "/" + e.steps() + "/w" + e.guidanceScale();
        return Job.builder().setJobId(id).setModel(model).setSamples(states).optAttachment(attachment)
                .optSamplerKey(samplerKey).build();
    }
}
