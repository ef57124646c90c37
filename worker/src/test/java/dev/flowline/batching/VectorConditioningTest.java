package dev.flowline.batching;

import dev.flowline.avro.Conditioning;
import dev.flowline.avro.GenerationRequest;
import dev.flowline.avro.OutputFormat;
import dev.flowline.avro.SamplerSpec;
import dev.flowline.config.LimitOptions;
import dev.flowline.kafka.InvalidJobException;
import dev.flowline.kafka.JobFactory;
import dev.flowline.kafka.RecordRef;
import dev.flowline.kafka.RegistryCatalog;
import dev.flowline.model.DeviceMode;
import dev.flowline.model.ModelRegistry;
import dev.flowline.model.ModelRegistryOptions;
import dev.flowline.model.ModelRuntimeOptions;
import dev.flowline.sampling.GaussianNoise;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/**
 * Vector conditioning on a real ONNX model (fixture tiny-vector: v(x, t, c) = reshape(c·W) − x, a 3-float vector
 * input and a null vector), from the request through {@link JobFactory} to the scheduler, on a manual clock. The
 * model's flow has a closed form, x(1) = a + (x0 − a)/e with a = c·W, and is linear in c, so guidance at w equals the
 * plain flow at n + w·(c − n).
 */
class VectorConditioningTest {
    private static final String VECTOR = "tiny-vector";
    private static final RecordRef REF = new RecordRef(new TopicPartition("jobs", 0), 1, 0, "k", 0);
    private static final float[] NULL_VECTOR = {0.1f, -0.2f, 0.05f};

    @TempDir
    static Path cache;
    private static ModelRegistry registry;
    private static JobFactory factory;

    @BeforeAll
    static void load() throws Exception {
        registry = new ModelRegistry(new ModelRegistryOptions(List.of(RegistryRig.fixture("tiny-vector"), RegistryRig.fixture("tiny")), false,
                new ModelRuntimeOptions(DeviceMode.CPU, 1, 1), Map.of(), cache));
        factory = new JobFactory(new RegistryCatalog(registry), new LimitOptions(8, 100, 400, 1024, 1_000_000));
    }

    @AfterAll
    static void close() {
        registry.close();
    }

    private static GenerationRequest request(String id, float[] vector, double w, Consumer<GenerationRequest.Builder> change) {
        List<Float> v = null;
        if (vector != null) {
            v = new ArrayList<>();
            for (float f : vector) v.add(f);
        }
        GenerationRequest.Builder b = GenerationRequest.newBuilder().setJobId(id).setModel(VECTOR).setNumSamples(2).setSeed(31)
                .setConditioning(v == null ? null : Conditioning.newBuilder().setVector(v).build())
                .setSampler(SamplerSpec.newBuilder().setSolver("rk4").setSteps(40).setGuidanceScale(w).build())
                .setOutputFormat(OutputFormat.RAW_FLOAT32);
        change.accept(b);
        return b.build();
    }

    private static GenerationRequest request(String id, float[] vector, double w) {
        return request(id, vector, w, b -> {});
    }

    /** Runs the requests' jobs together on one scheduler; their samples by job id. */
    private static Map<String, List<float[]>> run(GenerationRequest... reqs) throws InvalidJobException {
        List<Job> jobs = new ArrayList<>();
        for (GenerationRequest r : reqs) jobs.add(factory.create(r, REF).job());
        RegistryRig rig = new RegistryRig(registry);
        Map<String, JobOutcome> outcomes = rig.runAllSucceeding(jobs);
        Map<String, List<float[]>> out = new java.util.HashMap<>();
        for (GenerationRequest r : reqs) {
            JobOutcome o = outcomes.get(r.getJobId());
            assertThat(o.dedupedSamples()).as("same seed and sampler, another vector: never shared").isZero();
            out.put(r.getJobId(), o.samples());
        }
        if (reqs.length > 1) {
            assertThat(rig.listener.batches.stream().mapToInt(BatchRecord::jobs).max().orElse(0)).as("jobs shared calls").isGreaterThan(1);
        }
        return out;
    }

    /** x(1) of dx/dt = a − x from the sample's noise: a + (x0 − a)/e, with a = c·W as the fixture's script builds W. */
    private static double[] exact(float[] c, int sample) {
        double[] x0 = GaussianNoise.initialNoise(31, sample, 16);
        double[] x = new double[16];
        for (int j = 0; j < 16; j++) {
            double a = 0;
            for (int i = 0; i < 3; i++) a += c[i] * (float) (Math.round(Math.sin(1.3 * (i * 16 + j) + 0.4) * 1e4) / 1e4);
            x[j] = a + (x0[j] - a) / Math.E;
        }
        return x;
    }

    @Test
    void eachJobsVectorConditionsItsOwnRowsInSharedCallsAsTheClosedFormSays() throws Exception {
        float[] c1 = {1f, 0f, -0.5f};
        float[] c2 = {-0.3f, 0.8f, 0.2f};
        Map<String, List<float[]>> together = run(request("c1", c1, 1.0), request("c2", c2, 1.0));
        for (var e : Map.of("c1", c1, "c2", c2).entrySet()) {
            for (int s = 0; s < 2; s++) {
                float[] got = together.get(e.getKey()).get(s);
                double[] want = exact(e.getValue(), s);
                for (int j = 0; j < 16; j++) assertThat((double) got[j]).as("%s sample %d [%d]", e.getKey(), s, j).isCloseTo(want[j], within(1e-4));
            }
            // alone it gives the bytes it gave in company: rows never see each other's vectors
            List<float[]> alone = run(request(e.getKey(), e.getValue(), 1.0)).get(e.getKey());
            for (int s = 0; s < 2; s++) assertThat(alone.get(s)).containsExactly(together.get(e.getKey()).get(s));
        }
    }

    @Test
    void guidancePairsTheVectorWithTheNullVector() throws Exception {
        float[] c = {0.6f, -0.4f, 0.9f};
        double w = 2.5;
        float[] extrapolated = new float[3];
        for (int i = 0; i < 3; i++) extrapolated[i] = (float) (NULL_VECTOR[i] + w * (c[i] - NULL_VECTOR[i]));
        List<float[]> guided = run(request("guided", c, w)).get("guided");
        List<float[]> plain = run(request("plain", extrapolated, 1.0)).get("plain");
        for (int s = 0; s < 2; s++) {
            for (int j = 0; j < 16; j++) assertThat(guided.get(s)[j]).isCloseTo(plain.get(s)[j], within(1e-5f));
        }
        assertThat(guided.get(0)).isNotEqualTo(run(request("unguided", c, 1.0)).get("unguided").get(0));
    }

    @Test
    void aJobWithoutAVectorIsConditionedOnTheNullVector() throws Exception {
        List<float[]> none = run(request("none", null, 1.0)).get("none");
        List<float[]> explicit = run(request("explicit", NULL_VECTOR, 1.0)).get("explicit");
        for (int s = 0; s < 2; s++) assertThat(none.get(s)).containsExactly(explicit.get(s));
    }

    private static void rejected(GenerationRequest req, String field, String... parts) {
        assertThatThrownBy(() -> factory.create(req, REF)).isInstanceOfSatisfying(InvalidJobException.class, e -> {
            assertThat(e.field()).isEqualTo(field);
            assertThat(e.getMessage()).startsWith(field + ": ").contains(parts);
        });
    }

    @Test
    void badVectorsAndConditionsAreRejectedNamingTheField() {
        rejected(request("short", new float[] {1f, 2f}, 1.0), "conditioning.vector", "takes 3 floats, got 2");
        rejected(request("nan", new float[] {1f, Float.NaN, 2f}, 1.0), "conditioning.vector", "value 1 is NaN");
        rejected(request("label", null, 1.0, b -> b.setConditioning(Conditioning.newBuilder().setClassLabel(1).build())),
                "conditioning.classLabel", "takes a conditioning vector");
        rejected(request("guided-none", null, 2.0), "sampler.guidanceScale", "needs a conditioning vector");
        rejected(request("class-model", new float[] {1f, 2f, 3f}, 1.0, b -> b.setModel("tiny")), "conditioning.vector",
                "takes no conditioning vector");
    }
}
