package dev.flowline.kafka;

import dev.flowline.app.FlowlineWorker;
import dev.flowline.avro.BatchInterval;
import dev.flowline.avro.GenerationRequest;
import dev.flowline.avro.GenerationResult;
import dev.flowline.avro.JobStatus;
import dev.flowline.avro.OutputFormat;
import dev.flowline.avro.ProgressEvent;
import dev.flowline.avro.SampleOutput;
import dev.flowline.avro.TelemetryEvent;
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
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static dev.flowline.kafka.WorkerEndToEndTest.bytes;
import static dev.flowline.kafka.WorkerTestKit.await;
import static dev.flowline.kafka.WorkerTestKit.label;
import static dev.flowline.kafka.WorkerTestKit.request;
import static dev.flowline.kafka.WorkerTestKit.sampler;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The built-in latent model (fashion-mnist-latent: a velocity model in a 4x7x7 latent and an ONNX decoder to 28x28)
 * beside the built-in pixel model (fashion-mnist) in one worker against a real broker: every job succeeds, latent
 * jobs come back as decoded 28x28 images with their decoder calls counted, and a job resubmitted on its own gives
 * the same bytes as when it shared its calls with the others.
 */
@ExtendWith(KafkaBrokerExtension.class)
class LatentWorkerEndToEndTest {
    private static final String LATENT = "fashion-mnist-latent";
    private static final String PIXEL = "fashion-mnist";

    @TempDir
    Path cache;

    private static GenerationRequest latent(String id, int i) {
        return request(id).setModel(LATENT).setNumSamples(1 + i % 2).setConditioning(label(i % 10))
                .setSampler(sampler("heun", 4).setGuidanceScale(2.0).build())
                .setOutputFormat(i % 4 == 3 ? OutputFormat.RAW_FLOAT32 : OutputFormat.PNG).setProgress(i == 0).build();
    }

    private static GenerationRequest pixel(String id, int i) {
        return request(id).setModel(PIXEL).setNumSamples(1).setConditioning(label(i % 10))
                .setSampler(sampler("euler", 3).build()).setOutputFormat(OutputFormat.PNG).build();
    }

    @Test
    void latentAndPixelJobsInOneWorkerAllSucceedAsDecodedImagesAndReplayGivesTheSameBytes(KafkaCluster kafka) throws Exception {
        try (WorkerTestKit kit = new WorkerTestKit(kafka, 2);
             ModelRegistry registry = new ModelRegistry(new ModelRegistryOptions(List.of(), true,
                     new ModelRuntimeOptions(DeviceMode.CPU, 1, 1), Map.of(), cache))) {
            var results = kit.results();
            var progress = kit.reader(kit.topics.progressTopic(), ProgressEvent.class);
            var telemetry = kit.reader(kit.topics.telemetryTopic(), TelemetryEvent.class);
            FlowlineWorker w = kit.start(kit.config("w-latent"), registry);
            await(Duration.ofSeconds(60), "readiness", w::ready);

            List<GenerationRequest> jobs = new ArrayList<>();
            for (int i = 0; i < 8; i++) jobs.add(latent("latent-" + i, i));
            for (int i = 0; i < 3; i++) jobs.add(pixel("pixel-" + i, i));
            kit.sendAll(jobs);
            await(Duration.ofSeconds(120), "11 results", () -> WorkerTestKit.jobIds(results.records).size() >= jobs.size());

            Map<String, GenerationResult> byId = WorkerTestKit.byJobId(results.records);
            for (GenerationRequest req : jobs) {
                GenerationResult r = byId.get(req.getJobId());
                assertThat(r.getStatus()).as(req.getJobId() + " " + r.getErrorMessage()).isEqualTo(JobStatus.SUCCEEDED);
                assertThat(r.getModel()).isEqualTo(req.getModel());
                assertThat(r.getOutputs()).hasSize(req.getNumSamples());
                boolean isLatent = req.getModel().equals(LATENT);
                // a latent is decoded once it finishes: one call for latents that finish together, at most one each
                if (isLatent) assertThat(r.getBatchStats().getDecodeCalls()).as(req.getJobId()).isBetween(1, req.getNumSamples());
                else assertThat(r.getBatchStats().getDecodeCalls()).as(req.getJobId()).isZero();
                for (SampleOutput o : r.getOutputs()) {
                    assertThat(o.getShape()).as("the decoded image's shape, not the 4x7x7 latent").containsExactly(1, 28, 28);
                    byte[] data = bytes(o.getData());
                    if (req.getOutputFormat() == OutputFormat.PNG) {
                        BufferedImage img = ImageIO.read(new ByteArrayInputStream(data));
                        assertThat(img.getWidth()).isEqualTo(28);
                        assertThat(img.getHeight()).isEqualTo(28);
                    } else {
                        float[] v = OutputEncoder.decodeRawFloat32(data);
                        assertThat(v).hasSize(28 * 28);
                        for (float f : v) assertThat(f).isBetween(-1.5f, 1.5f); // the decoder's [-1, 1] range, loosely
                    }
                }
            }
            await(Duration.ofSeconds(10), "the final progress event of latent-0 with its decoder call", () -> progress.records.stream()
                    .anyMatch(p -> p.getJobId().equals("latent-0") && p.getSamplesDone() == 1 && p.getDecodeCalls() == 1));
            await(Duration.ofSeconds(10), "a decode cost curve in telemetry", () -> telemetry.records.stream()
                    .anyMatch(e -> e.getEvent() instanceof BatchInterval b && b.getCostCurves().stream()
                            .anyMatch(c -> c.getKind().equals("decode") && c.getGroupKey().startsWith(LATENT))));

            // the same jobs again, one at a time: alone on the device they give the bytes they gave in company
            for (String id : List.of("latent-1", "latent-2", "latent-3", "pixel-0")) {
                GenerationRequest again = jobs.stream().filter(j -> j.getJobId().equals(id)).findFirst().orElseThrow();
                int before = results.records.size();
                kit.send(again);
                await(Duration.ofSeconds(60), "the replay of " + id, () -> results.records.size() > before);
                List<GenerationResult> both = results.records.stream().filter(r -> r.getJobId().equals(id)).toList();
                assertThat(both).hasSize(2);
                assertThat(both.get(1).getStatus()).isEqualTo(JobStatus.SUCCEEDED);
                assertThat(both.get(1).getOutputs()).hasSameSizeAs(both.get(0).getOutputs());
                for (int s = 0; s < both.get(0).getOutputs().size(); s++) {
                    assertThat(bytes(both.get(1).getOutputs().get(s).getData())).as("%s sample %d", id, s)
                            .isEqualTo(bytes(both.get(0).getOutputs().get(s).getData()));
                }
            }
            await(Duration.ofSeconds(15), "committed offsets at the log end", () -> kit.lag() == 0);
            w.drain().get(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void aLatentJobsPreviewsArriveAsDecoded28x28PngsInStepOrderAndTheLastIsItsOutput(KafkaCluster kafka) throws Exception {
        try (WorkerTestKit kit = new WorkerTestKit(kafka, 1);
             ModelRegistry registry = new ModelRegistry(new ModelRegistryOptions(List.of(), true,
                     new ModelRuntimeOptions(DeviceMode.CPU, 1, 1), Map.of(), cache))) {
            var results = kit.results();
            var progress = kit.reader(kit.topics.progressTopic(), ProgressEvent.class);
            FlowlineWorker w = kit.start(kit.config("w-latent-preview"), registry);
            await(Duration.ofSeconds(60), "readiness", w::ready);

            GenerationRequest req = request("latent-preview").setModel(LATENT).setNumSamples(1).setConditioning(label(5))
                    .setSampler(sampler("euler", 12).setGuidanceScale(2.0).build()).setOutputFormat(OutputFormat.PNG)
                    .setProgress(true).setPreviewEvery(3).build();
            kit.send(req);
            await(Duration.ofSeconds(60), "the result", () -> !results.records.isEmpty());
            GenerationResult r = results.records.getFirst();
            assertThat(r.getStatus()).as(String.valueOf(r.getErrorMessage())).isEqualTo(JobStatus.SUCCEEDED);
            await(Duration.ofSeconds(10), "the final progress event", () -> progress.records.stream()
                    .anyMatch(p -> p.getJobId().equals("latent-preview") && p.getSamplesDone() == 1));

            List<ProgressEvent> events = progress.records.stream().filter(p -> p.getJobId().equals("latent-preview")).toList();
            assertThat(events).extracting(ProgressEvent::getStep).as("progress and previews in step order").isSorted();
            List<ProgressEvent> previews = events.stream().filter(p -> p.getPreview() != null).toList();
            // sample 0 finishes before the job (its decode follows): its last step is previewed too
            assertThat(previews).extracting(ProgressEvent::getStep).containsExactly(3, 6, 9, 12);
            for (ProgressEvent p : previews) {
                byte[] png = bytes(p.getPreview().getPng());
                assertThat(png.length).isLessThanOrEqualTo(PreviewEncoder.MAX_BYTES);
                BufferedImage img = ImageIO.read(new ByteArrayInputStream(png));
                assertThat(img.getWidth()).as("decoded: the 28x28 image, not the 4x7x7 latent").isEqualTo(28);
                assertThat(img.getHeight()).isEqualTo(28);
            }
            assertThat(bytes(previews.getLast().getPreview().getPng())).as("the last step's preview is the output")
                    .isEqualTo(bytes(r.getOutputs().getFirst().getData()));
            assertThat(r.getBatchStats().getDecodeCalls()).as("preview decodes are decode calls of the job").isGreaterThan(1);
            w.drain().get(30, TimeUnit.SECONDS);
        }
    }
}
