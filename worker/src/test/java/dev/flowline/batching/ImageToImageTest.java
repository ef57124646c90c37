package dev.flowline.batching;

import dev.flowline.avro.Conditioning;
import dev.flowline.avro.GenerationRequest;
import dev.flowline.avro.InitImage;
import dev.flowline.avro.OutputFormat;
import dev.flowline.avro.SamplerSpec;
import dev.flowline.config.LimitOptions;
import dev.flowline.kafka.InitImages;
import dev.flowline.kafka.InvalidJobException;
import dev.flowline.kafka.JobFactory;
import dev.flowline.kafka.OutputEncoder;
import dev.flowline.kafka.RecordRef;
import dev.flowline.kafka.RegistryCatalog;
import dev.flowline.model.DeviceMode;
import dev.flowline.model.LatentEncoder;
import dev.flowline.model.ModelRegistry;
import dev.flowline.model.ModelRegistryOptions;
import dev.flowline.model.ModelRuntimeOptions;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Image-to-image on the built-in fashion-mnist-latent model (real ONNX encoder, velocity model and decoder), from the
 * request through {@link JobFactory} (the worker's own {@link RegistryCatalog}) to the scheduler's decode stage, turn
 * by turn on a manual clock. The input image is a decoded sample of the model itself, so its reconstruction is good
 * and the bounds below measure the pipeline, not the autoencoder's reach.
 */
class ImageToImageTest {
    private static final String LATENT = "fashion-mnist-latent";
    /** tiny-latent with an encoder (2x2 average pooling) that really returns NaN for an image with a negative mean. */
    private static final String TINY = "tiny-latent-img2img";
    private static final OutputEncoder.ImageGeometry IMAGE = new OutputEncoder.ImageGeometry(1, 28, 28);
    private static final RecordRef REF = new RecordRef(new TopicPartition("jobs", 0), 1, 0, "k", 0);

    @TempDir
    static Path cache;
    private static ModelRegistry registry;
    private static JobFactory factory;
    /** A Pullover (label 2) the model generated, as the PNG a client would send back. */
    private static byte[] input;

    @BeforeAll
    static void load() throws Exception {
        registry = new ModelRegistry(new ModelRegistryOptions(List.of(RegistryRig.fixture(TINY)), true, new ModelRuntimeOptions(DeviceMode.CPU, 1, 1), Map.of(), cache));
        factory = new JobFactory(new RegistryCatalog(registry), new LimitOptions(8, 100, 400, 1024, 1_000_000));
        input = OutputEncoder.png(run(request("source", 7, 2, null)).get(0), IMAGE, -1, 1);
    }

    @AfterAll
    static void close() {
        registry.close();
    }

    private static GenerationRequest request(String id, long seed, int label, InitImage init) {
        return edit(id, seed, label, init, b -> {});
    }

    private static GenerationRequest edit(String id, long seed, int label, InitImage init, Consumer<GenerationRequest.Builder> change) {
        GenerationRequest.Builder b = GenerationRequest.newBuilder().setJobId(id).setModel(LATENT).setNumSamples(1).setSeed(seed)
                .setConditioning(Conditioning.newBuilder().setClassLabel(label).build())
                .setSampler(SamplerSpec.newBuilder().setSolver("heun").setSteps(6).setGuidanceScale(2.0).build())
                .setOutputFormat(OutputFormat.PNG).setInitImage(init);
        change.accept(b);
        return b.build();
    }

    private static InitImage init(byte[] png, double strength) {
        return InitImage.newBuilder().setData(ByteBuffer.wrap(png)).setStrength(strength).build();
    }

    /** The job's decoded samples, run alone on a scheduler over the registry. */
    private static List<float[]> run(GenerationRequest req) throws InvalidJobException {
        return together(req).get(req.getJobId()).samples();
    }

    /** The jobs' outcomes, all admitted before the first tick so that they are in flight together. */
    private static Map<String, JobOutcome> together(GenerationRequest... reqs) throws InvalidJobException {
        List<Job> jobs = new java.util.ArrayList<>();
        for (GenerationRequest req : reqs) jobs.add(factory.create(req, REF).job());
        return new RegistryRig(registry).runAllSucceeding(jobs);
    }

    private static double meanAbsError(float[] a, float[] b) {
        assertThat(a).hasSameSizeAs(b);
        double sum = 0;
        for (int i = 0; i < a.length; i++) sum += Math.abs(a[i] - b[i]);
        return sum / a.length;
    }

    private static float[] pixels(byte[] png) throws InvalidJobException {
        return InitImages.pixels(png, registry.encoderStage(LATENT).orElseThrow());
    }

    @Test
    void strengthOneGivesTheBytesOfTheSameJobWithoutAnImage() throws Exception {
        byte[] plain = OutputEncoder.png(run(request("plain", 11, 5, null)).get(0), IMAGE, -1, 1);
        byte[] ignored = OutputEncoder.png(run(request("s1", 11, 5, init(input, 1.0))).get(0), IMAGE, -1, 1);
        assertThat(ignored).isEqualTo(plain);
        assertThat(plain).isNotEqualTo(input); // another seed and label: the comparison above is not vacuous
    }

    @Test
    void strengthZeroReturnsTheDecodedEncodingOfTheInputWithoutAnyStep() throws Exception {
        Job job = factory.create(request("s0", 11, 5, init(input, 0.0)), REF).job();
        assertThat(job.samples().get(0).isFinished()).as("no step to run").isTrue();
        assertThat(job.evaluationsPerSample()).isZero();

        float[] out = run(request("s0", 11, 5, init(input, 0.0))).get(0);
        float[] in = pixels(input);
        // exactly what the model's own encoder and decoder make of the input
        LatentEncoder encoder = registry.encoder(LATENT).orElseThrow();
        float[] z = new float[encoder.outputDim()];
        encoder.run(1, in, z);
        float[] reconstruction = new float[in.length];
        registry.decoder(LATENT).orElseThrow().run(1, z, reconstruction);
        assertThat(out).containsExactly(reconstruction);
        // and close to the input itself: the autoencoder's reconstruction error on [-1, 1] pixels
        assertThat(meanAbsError(out, in)).isLessThan(0.05); // measured 0.023
    }

    @Test
    void intermediateStrengthsMoveAwayFromTheInputAsStrengthGrows() throws Exception {
        float[] in = pixels(input);
        // label 7 (Sneaker) pulls away from the Pullover input: the more strength, the further from it
        double[] strengths = {0.0, 0.4, 0.7, 1.0}; // measured errors: 0.023, 0.10, 0.34, 0.91
        double[] errors = new double[strengths.length];
        for (int k = 0; k < strengths.length; k++) {
            errors[k] = meanAbsError(run(request("s" + k, 21, 7, init(input, strengths[k]))).get(0), in);
        }
        for (int k = 1; k < strengths.length; k++) {
            assertThat(errors[k]).as("error at strength %s vs %s: %s", strengths[k], strengths[k - 1],
                    java.util.Arrays.toString(errors)).isGreaterThan(errors[k - 1]);
        }
    }

    @Test
    void samplesAreDeterministicPerSeedAndIndexAndDifferBetweenIndices() throws Exception {
        GenerationRequest req = edit("two", 5, 2, init(input, 0.6), b -> b.setNumSamples(2));
        List<float[]> first = run(req);
        List<float[]> again = run(req);
        assertThat(again.get(0)).containsExactly(first.get(0));
        assertThat(again.get(1)).containsExactly(first.get(1));
        assertThat(first.get(0)).isNotEqualTo(first.get(1)); // noise(seed, i) differs per sample
    }

    @Test
    void otherSolversStartAtOneMinusStrengthToo() throws Exception {
        float[] in = pixels(input);
        for (String solver : List.of("dopri5", "ab2", "euler")) {
            GenerationRequest req = edit("solver-" + solver, 3, 2, init(input, 0.3), b -> b.setSampler(
                    SamplerSpec.newBuilder().setSolver(solver).setSteps(solver.equals("dopri5") ? null : 4).build()));
            Job job = factory.create(req, REF).job();
            assertThat(job.samples().get(0).time()).as(solver).isEqualTo(0.7, org.assertj.core.data.Offset.offset(1e-12));
            // an image at strength 0.3 with its own label stays near the input
            assertThat(meanAbsError(run(req).get(0), in)).as(solver).isLessThan(0.1); // measured about 0.07
        }
    }

    @Test
    void aStepRangeBuildsEveryCountsSamplesFromTheSameStart() throws Exception {
        GenerationRequest req = edit("range", 8, 2, init(input, 0.25), b -> b.setSampler(SamplerSpec.newBuilder()
                .setSolver("heun").setMinSteps(2).setMaxSteps(5).build()));
        Job job = factory.create(req, REF).job();
        assertThat(job.stepChoice().size()).isEqualTo(4);
        for (int steps = 2; steps <= 5; steps++) {
            var sample = job.stepChoice().samplesFor().apply(steps - 2).get(0); // candidate i runs minSteps + i
            assertThat(sample.time()).as("%d steps", steps).isEqualTo(0.75);
            assertThat(sample.totalSteps()).isEqualTo(steps);
        }
        // run at the count the scheduler picks (the largest, on an idle scheduler): near the input, as strength 0.25 is
        assertThat(meanAbsError(run(req).get(0), pixels(input))).isLessThan(0.1);
    }

    @Test
    void identicalSamplesAreSharedOnlyWhenTheImageAndStrengthAreTheSameToo() throws Exception {
        byte[] black = png(new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY));
        Map<String, JobOutcome> o = together(request("a", 5, 2, init(input, 0.5)), request("same", 5, 2, init(input, 0.5)),
                request("other-image", 5, 2, init(black, 0.5)), request("other-strength", 5, 2, init(input, 0.6)));
        assertThat(o.get("a").dedupedSamples() + o.get("same").dedupedSamples()).as("the identical pair computed once").isEqualTo(1);
        assertThat(o.get("same").samples().get(0)).containsExactly(o.get("a").samples().get(0));
        for (String id : List.of("other-image", "other-strength")) {
            assertThat(o.get(id).dedupedSamples()).as(id).isZero();
            assertThat(o.get(id).samples().get(0)).as(id).isNotEqualTo(o.get("a").samples().get(0));
        }
    }

    // ---- rejections, each naming the field ----

    private static void rejected(GenerationRequest req, String field, String... messageParts) {
        assertThatThrownBy(() -> factory.create(req, REF)).isInstanceOfSatisfying(InvalidJobException.class, e -> {
            assertThat(e.field()).isEqualTo(field);
            assertThat(e.errorCode()).isEqualTo(InvalidJobException.INVALID_FIELD);
            assertThat(e.getMessage()).startsWith(field + ": ").contains(messageParts);
        });
    }

    private static byte[] png(BufferedImage img) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertThat(ImageIO.write(img, "png", out)).isTrue();
        return out.toByteArray();
    }

    @Test
    void anInitImageForAModelWithoutAnEncoderIsRejectedNamingInitImage() {
        rejected(edit("pixel", 1, 2, init(input, 0.5), b -> b.setModel("fashion-mnist")), "initImage",
                "'fashion-mnist' has no encoder");
    }

    @Test
    void undecodableDataIsRejectedNamingInitImageData() throws Exception {
        rejected(request("junk", 1, 2, init("not a png".getBytes(), 0.5)), "initImage.data", "not a PNG");
        rejected(request("empty", 1, 2, init(new byte[0], 0.5)), "initImage.data", "empty");
        byte[] truncated = java.util.Arrays.copyOf(input, input.length / 2);
        rejected(request("truncated", 1, 2, init(truncated, 0.5)), "initImage.data", "not a readable PNG");
        ByteArrayOutputStream jpeg = new ByteArrayOutputStream();
        ImageIO.write(new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY), "jpeg", jpeg);
        rejected(request("jpeg", 1, 2, init(jpeg.toByteArray(), 0.5)), "initImage.data", "not a PNG");
    }

    @Test
    void anImageOfTheWrongSizeOrChannelsIsRejectedSayingExpectedAndGot() throws Exception {
        rejected(request("small", 1, 2, init(png(new BufferedImage(27, 28, BufferedImage.TYPE_BYTE_GRAY)), 0.5)),
                "initImage.data", "expected a 28x28 image, got 27x28");
        rejected(request("rgb", 1, 2, init(png(new BufferedImage(28, 28, BufferedImage.TYPE_INT_RGB)), 0.5)),
                "initImage.data", "expected 1 channel (grey), got 3 channels (RGB)");
        rejected(request("rgba", 1, 2, init(png(new BufferedImage(28, 28, BufferedImage.TYPE_INT_ARGB)), 0.5)),
                "initImage.data", "got 4 channels (RGBA)");
        // strength 1 ignores the image, but a bad one is still an error: a client bug should not pass silently
        rejected(request("small-1", 1, 2, init(png(new BufferedImage(28, 27, BufferedImage.TYPE_BYTE_GRAY)), 1.0)),
                "initImage.data", "got 28x27");
    }

    @Test
    void aStrengthOutsideZeroToOneOrNaNIsRejectedNamingInitImageStrength() {
        for (double s : new double[] {-0.01, 1.01, Double.NaN, Double.POSITIVE_INFINITY}) {
            rejected(request("strength", 1, 2, init(input, s)), "initImage.strength", "must be in [0, 1], got " + s);
        }
    }

    private static BufferedImage tinyImage(int grey) {
        BufferedImage img = new BufferedImage(8, 8, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < 8; y++) for (int x = 0; x < 8; x++) img.getRaster().setSample(x, y, 0, (grey + 9 * x + 5 * y) % 256);
        return img;
    }

    @Test
    void anImageTheEncoderTurnsIntoNaNIsRejectedAsAnEncodeErrorNamingInitImage() throws Exception {
        // mean grey about 40 of 255: below the middle, so negative on [-1, 1], where the fixture's encoder takes a sqrt
        GenerationRequest dark = edit("dark", 1, 0, init(png(tinyImage(0)), 0.5), b -> b.setModel(TINY));
        assertThatThrownBy(() -> factory.create(dark, REF)).isInstanceOfSatisfying(InvalidJobException.class, e -> {
            assertThat(e.errorCode()).isEqualTo(JobFactory.ENCODE_ERROR);
            assertThat(e.field()).isEqualTo("initImage");
            assertThat(e.getMessage()).contains("encoder of model '" + TINY + "'").contains("non-finite");
        });
        // a bright image of the same model encodes, and at strength 0 comes back as its decoded encoding
        byte[] bright = png(tinyImage(170));
        float[] out = run(edit("bright", 1, 0, init(bright, 0.0), b -> b.setModel(TINY))).get(0);
        float[] in = InitImages.pixels(bright, registry.encoderStage(TINY).orElseThrow());
        float[] z = new float[16];
        registry.encoder(TINY).orElseThrow().run(1, in, z);
        assertThat(z[0]).isEqualTo((in[0] + in[1] + in[8] + in[9]) / 4, org.assertj.core.data.Offset.offset(1e-6f));
        float[] decoded = new float[64];
        registry.decoder(TINY).orElseThrow().run(1, z, decoded);
        assertThat(out).containsExactly(decoded);
    }

    @Test
    void aSixteenBitGreyPngIsReadOverItsOwnDepth() throws Exception {
        BufferedImage img = new BufferedImage(28, 28, BufferedImage.TYPE_USHORT_GRAY);
        img.getRaster().setSample(3, 4, 0, 65535);
        float[] v = pixels(png(img));
        assertThat(v[4 * 28 + 3]).isEqualTo(1f);
        assertThat(v[0]).isEqualTo(-1f);
    }
}
