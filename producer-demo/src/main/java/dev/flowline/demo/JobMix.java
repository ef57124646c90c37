package dev.flowline.demo;

import dev.flowline.avro.Conditioning;
import dev.flowline.avro.GenerationRequest;
import dev.flowline.avro.SamplerSpec;

import java.util.List;
import java.util.Random;

/**
 * The sampler mix of load runs: 30% 4-step Euler, 50% 8-step Heun with guidance w=2, 20% 32-step RK4 —
 * short, medium and long jobs sharing one model, the case step-level batching is for.
 */
public final class JobMix {
    /** One kind of job in the mix. */
    public record Entry(String name, double weight, String solver, int steps, double guidance) {}

    public static final List<Entry> DEFAULT = List.of(
            new Entry("euler-4", 0.3, "euler", 4, 1.0),
            new Entry("heun-8-guided", 0.5, "heun", 8, 2.0),
            new Entry("rk4-32", 0.2, "rk4", 32, 1.0));

    private JobMix() {}

    /** Picks an entry by weight. */
    public static Entry pick(List<Entry> mix, Random random) {
        double total = mix.stream().mapToDouble(Entry::weight).sum();
        double u = random.nextDouble() * total;
        for (Entry e : mix) {
            u -= e.weight();
            if (u < 0) return e;
        }
        return mix.get(mix.size() - 1);
    }

    public static GenerationRequest request(String jobId, String model, Entry e, int classLabel, int samples, long seed) {
        return GenerationRequest.newBuilder()
                .setJobId(jobId)
                .setModel(model)
                .setNumSamples(samples)
                .setConditioning(Conditioning.newBuilder().setClassLabel(classLabel).build())
                .setSampler(SamplerSpec.newBuilder().setSolver(e.solver()).setSteps(e.steps()).setGuidanceScale(e.guidance()).build())
                .setSeed(seed)
                .setMetadata(java.util.Map.of("mix", e.name()))
                .build();
    }
}
