package dev.flowline.bench;

import dev.flowline.batching.Job;
import dev.flowline.batching.StepChoice;
import dev.flowline.model.ModelInfo;
import dev.flowline.sampling.SampleState;
import dev.flowline.sampling.Sampler;
import dev.flowline.sampling.SamplerConfig;
import dev.flowline.sampling.VelocityField;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;

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
    Job job(String id, int entry, int label, long seed, Job.Origin origin) {
        return job(id, entry, label, seed, origin, 0);
    }

    /**
     * As {@link #job(String, int, int, long, Job.Origin)}; with {@code minSteps > 0} the job accepts any step count from
     * {@code minSteps} to its entry's steps, and the scheduler picks (load-adaptive step counts).
     */
    Job job(String id, int entry, int label, long seed, Job.Origin origin, int minSteps) {
        return job(id, entry, label, seed, origin, minSteps, 0);
    }

    /** As above; {@code previewEvery > 0} asks for progress with a preview every that many steps. */
    Job job(String id, int entry, int label, long seed, Job.Origin origin, int minSteps, int previewEvery) {
        int sampleLabel = numClasses > 0 ? Math.floorMod(label, numClasses) : VelocityField.NO_LABEL;
        WorkloadMix.Entry e = mix.entries().get(entry);
        // As the Kafka edge keys them: request-level batching only runs like samplers together.
        String samplerKey = e.solver().id() + "/" + e.steps() + "/w" + e.guidanceScale();
        Job.Builder b = Job.builder().setJobId(id).setModel(model).setSamples(states(samplers[entry], e.samples(), seed, sampleLabel))
                .optOrigin(origin).optSamplerKey(samplerKey).optEvaluationsPerSample(samplers[entry].maxNfe())
                // what a sample's bytes depend on here: the kind's sampler, the label and the seed (as the edge keys it)
                .optDedupKey(model + "|" + samplers[entry].config() + "|label=" + sampleLabel + "|seed=" + seed);
        if (previewEvery > 0) b.optProgress(true).optPreviewEvery(previewEvery);
        if (minSteps > 0) {
            IntFunction<Sampler> at = steps -> Sampler.of(SamplerConfig.builder().optSolver(e.solver()).optSteps(steps)
                    .optGuidanceScale(samplers[entry].config().guidanceScale()).build());
            b.optStepChoice(new StepChoice(minSteps, e.steps(), steps -> at.apply(steps).maxNfe(),
                    steps -> states(at.apply(steps), e.samples(), seed, sampleLabel)));
        }
        return b.build();
    }

    private List<SampleState> states(Sampler sampler, int samples, long seed, int label) {
        List<SampleState> states = new ArrayList<>(samples);
        for (int i = 0; i < samples; i++) states.add(sampler.newSample(dim, seed, i, label));
        return states;
    }
}
