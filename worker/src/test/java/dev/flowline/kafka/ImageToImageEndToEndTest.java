package dev.flowline.kafka;

import dev.flowline.app.FlowlineWorker;
import dev.flowline.avro.DeadLetter;
import dev.flowline.avro.GenerationRequest;
import dev.flowline.avro.GenerationResult;
import dev.flowline.avro.InitImage;
import dev.flowline.avro.JobStatus;
import dev.flowline.avro.OutputFormat;
import dev.flowline.avro.ProgressEvent;
import dev.flowline.model.DeviceMode;
import dev.flowline.model.ModelRegistry;
import dev.flowline.model.ModelRegistryOptions;
import dev.flowline.model.ModelRuntimeOptions;
import dev.flowline.testing.KafkaBrokerExtension;
import dev.flowline.testing.KafkaCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import static dev.flowline.kafka.WorkerEndToEndTest.bytes;
import static dev.flowline.kafka.WorkerTestKit.await;
import static dev.flowline.kafka.WorkerTestKit.label;
import static dev.flowline.kafka.WorkerTestKit.request;
import static dev.flowline.kafka.WorkerTestKit.sampler;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Image-to-image through a real broker and a real worker with the built-in models: a result PNG of the latent model
 * sent back as an initImage comes back edited (strength 0.5), unchanged up to reconstruction (strength 0, with its
 * progress events), or as the plain job's bytes (strength 1); bad initImages end as dead letters naming the field.
 * A vector-conditioned job (fixture tiny-vector) runs beside them, and a vector of the wrong length is dead-lettered.
 */
@ExtendWith(KafkaBrokerExtension.class)
class ImageToImageEndToEndTest {
    private static final String LATENT = "fashion-mnist-latent";

    @TempDir
    Path cache;

    private static GenerationRequest.Builder latent(String id) {
        return request(id).setModel(LATENT).setSeed(17).setConditioning(label(0)).setOutputFormat(OutputFormat.PNG)
                .setSampler(sampler("heun", 4).setGuidanceScale(2.0).build());
    }

    private static InitImage init(byte[] data, double strength) {
        return InitImage.newBuilder().setData(ByteBuffer.wrap(data)).setStrength(strength).build();
    }

    private static byte[] png(GenerationResult r) {
        return bytes(r.getOutputs().get(0).getData());
    }

    private static float[] grey(byte[] png) throws Exception {
        BufferedImage img = ImageIO.read(new ByteArrayInputStream(png));
        float[] v = new float[28 * 28];
        for (int y = 0; y < 28; y++) for (int x = 0; x < 28; x++) v[y * 28 + x] = img.getRaster().getSample(x, y, 0) / 255f;
        return v;
    }

    private static double meanAbsError(float[] a, float[] b) {
        double sum = 0;
        for (int i = 0; i < a.length; i++) sum += Math.abs(a[i] - b[i]);
        return sum / a.length;
    }

    @Test
    void imageToImageAndVectorJobsSucceedAndBadOnesAreDeadLetteredNamingTheField(KafkaCluster kafka) throws Exception {
        try (WorkerTestKit kit = new WorkerTestKit(kafka, 1);
             ModelRegistry registry = new ModelRegistry(new ModelRegistryOptions(List.of(Path.of(
                     ImageToImageEndToEndTest.class.getResource("/fixtures/tiny-vector").toURI())), true,
                     new ModelRuntimeOptions(DeviceMode.CPU, 1, 1), Map.of(), cache))) {
            var results = kit.results();
            var dead = kit.deadLetters();
            var progress = kit.reader(kit.topics.progressTopic(), ProgressEvent.class);
            FlowlineWorker w = kit.start(kit.config("w-img2img"), registry);
            await(Duration.ofSeconds(60), "readiness", w::ready);

            kit.send(latent("source").build());
            await(Duration.ofSeconds(60), "the source image", () -> !results.records.isEmpty());
            GenerationResult source = results.records.get(0);
            assertThat(source.getStatus()).isEqualTo(JobStatus.SUCCEEDED);
            byte[] input = png(source);

            // a Sneaker label on the T-shirt image: the edit moves away from it, strength 0 does not
            kit.send(latent("edit").setConditioning(label(7)).setSeed(99).setInitImage(init(input, 0.5)).build());
            kit.send(latent("keep").setSeed(99).setInitImage(init(input, 0.0)).setProgress(true).build());
            kit.send(latent("ignore").setSeed(99).setInitImage(init(input, 1.0)).build());
            kit.send(latent("plain").setSeed(99).build());
            kit.send(request("no-encoder").setModel("fashion-mnist").setInitImage(init(input, 0.5)).build());
            kit.send(latent("not-png").setInitImage(init("GIF89a".getBytes(), 0.5)).build());
            kit.send(latent("nan").setInitImage(init(input, Double.NaN)).build());
            java.io.ByteArrayOutputStream small = new java.io.ByteArrayOutputStream();
            assertThat(ImageIO.write(new BufferedImage(27, 28, BufferedImage.TYPE_BYTE_GRAY), "png", small)).isTrue();
            kit.send(latent("wrong-size").setInitImage(init(small.toByteArray(), 0.5)).build());
            // vector conditioning (fixture tiny-vector) through the same intake: one job runs, a short vector is dead-lettered
            kit.send(request("vector").setModel("tiny-vector").setOutputFormat(OutputFormat.RAW_FLOAT32)
                    .setConditioning(dev.flowline.avro.Conditioning.newBuilder().setVector(List.of(0.5f, -1f, 0.25f)).build())
                    .setSampler(sampler("heun", 4).setGuidanceScale(2.0).build()).build());
            kit.send(request("vector-short").setModel("tiny-vector")
                    .setConditioning(dev.flowline.avro.Conditioning.newBuilder().setVector(List.of(0.5f)).build()).build());
            await(Duration.ofSeconds(90), "6 results and 5 dead letters", () -> results.records.size() >= 6 && dead.records.size() >= 5);

            Map<String, GenerationResult> byId = WorkerTestKit.byJobId(results.records);
            GenerationResult vector = byId.get("vector");
            assertThat(vector.getStatus()).as(vector.getErrorMessage()).isEqualTo(JobStatus.SUCCEEDED);
            assertThat(OutputEncoder.decodeRawFloat32(png(vector))).hasSize(16);
            for (String id : List.of("edit", "keep", "ignore", "plain")) {
                GenerationResult r = byId.get(id);
                assertThat(r.getStatus()).as(id + " " + r.getErrorMessage()).isEqualTo(JobStatus.SUCCEEDED);
                assertThat(r.getOutputs().get(0).getShape()).containsExactly(1, 28, 28);
            }
            assertThat(png(byId.get("ignore"))).as("strength 1 = the job without an image").isEqualTo(png(byId.get("plain")));
            double keep = meanAbsError(grey(png(byId.get("keep"))), grey(input));
            double edit = meanAbsError(grey(png(byId.get("edit"))), grey(input));
            assertThat(keep).as("strength 0: the input up to reconstruction, on 0..1 grey").isLessThan(0.03);
            assertThat(edit).as("strength 0.5 moves away from it (keep %s)", keep).isGreaterThan(keep);
            assertThat(byId.get("keep").getBatchStats().getDecodeCalls()).isEqualTo(1);
            await(Duration.ofSeconds(10), "the final progress event of the strength-0 job", () -> progress.records.stream()
                    .anyMatch(p -> p.getJobId().equals("keep") && p.getSamplesDone() == 1));

            Map<String, String> codes = new TreeMap<>();
            for (DeadLetter d : dead.records) codes.put(d.getJobId(), d.getErrorCode() + " " + d.getErrorMessage());
            assertThat(codes).hasSize(5);
            assertThat(codes.get("vector-short")).startsWith("INVALID_FIELD conditioning.vector:").contains("takes 3 floats, got 1");
            assertThat(codes.get("no-encoder")).startsWith("INVALID_FIELD initImage:").contains("no encoder");
            assertThat(codes.get("not-png")).startsWith("INVALID_FIELD initImage.data:").contains("not a PNG");
            assertThat(codes.get("nan")).startsWith("INVALID_FIELD initImage.strength:").contains("NaN");
            assertThat(codes.get("wrong-size")).startsWith("INVALID_FIELD initImage.data:").contains("expected a 28x28 image, got 27x28");
            await(Duration.ofSeconds(15), "committed offsets at the log end", () -> kit.lag() == 0);
            w.drain().get(30, TimeUnit.SECONDS);
        }
    }
}
