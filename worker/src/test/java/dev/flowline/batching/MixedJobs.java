package dev.flowline.batching;

import dev.flowline.sampling.SampleState;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** A reproducible mix of jobs (solvers, steps, guidance, sample counts, priorities) over two models. */
final class MixedJobs {
    /** One job: what to submit, and each sample's result when integrated alone. */
    record Spec(String id, AnalyticModel model, int priority, List<TestSample> samples, List<float[]> alone) {
        Job.Builder job() {
            return Harness.job(id, model.info().name(), priority, samples.toArray(SampleState[]::new));
        }
    }

    private MixedJobs() {}

    static TestSample randomSample(SplittableRandom r, int dim, long seed) {
        TestSample.Method method = r.nextBoolean() ? TestSample.Method.EULER : TestSample.Method.HEUN;
        int steps = 1 + r.nextInt(12);
        int label = r.nextInt(10);
        boolean guided = r.nextInt(3) == 0;
        double guidedBefore = r.nextBoolean() ? 1.0 : 0.5; // guidance on part of the interval: rows change mid-flight
        return new TestSample(dim, seed, method, steps, label, guided ? 1.5f + r.nextInt(3) : 0f, guidedBefore);
    }

    static List<Spec> make(long seed, int jobs, AnalyticModel... models) {
        SplittableRandom r = new SplittableRandom(seed);
        List<Spec> specs = new ArrayList<>();
        for (int j = 0; j < jobs; j++) {
            AnalyticModel model = models[r.nextInt(models.length)];
            int dim = model.dim();
            int n = 1 + r.nextInt(3);
            TestSample proto = randomSample(r, dim, 0);
            List<TestSample> samples = new ArrayList<>();
            List<float[]> alone = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                long sampleSeed = seed * 1_000_003L + j * 31L + i;
                samples.add(proto.fresh(sampleSeed));
                alone.add(TestSample.runAlone(proto.fresh(sampleSeed), AnalyticModel.field(dim), dim));
            }
            specs.add(new Spec("job-" + j, model, r.nextInt(4), samples, alone));
        }
        return specs;
    }
}
