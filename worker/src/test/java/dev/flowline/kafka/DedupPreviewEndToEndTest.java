package dev.flowline.kafka;

import dev.flowline.app.FlowlineWorker;
import dev.flowline.avro.BatchInterval;
import dev.flowline.avro.GenerationRequest;
import dev.flowline.avro.GenerationResult;
import dev.flowline.avro.JobStatus;
import dev.flowline.avro.ProgressEvent;
import dev.flowline.avro.SampleOutput;
import dev.flowline.avro.TelemetryEvent;
import dev.flowline.testing.KafkaBrokerExtension;
import dev.flowline.testing.KafkaCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static dev.flowline.kafka.WorkerTestKit.await;
import static org.assertj.core.api.Assertions.assertThat;

/** Issue 17 through a real broker and worker: identical jobs share their samples, previews arrive as progress events. */
@ExtendWith(KafkaBrokerExtension.class)
class DedupPreviewEndToEndTest {

    private static byte[] bytes(ByteBuffer b) {
        ByteBuffer d = b.duplicate();
        byte[] out = new byte[d.remaining()];
        d.get(out);
        return out;
    }

    @Test
    void identicalJobsShareTheirSamplesAndAPreviewJobGetsPngsEveryKSteps(KafkaCluster kafka) throws Exception {
        try (WorkerTestKit kit = new WorkerTestKit(kafka, 1)) {
            var results = kit.results();
            var progress = kit.reader(kit.topics.progressTopic(), ProgressEvent.class);
            var telemetry = kit.reader(kit.topics.telemetryTopic(), TelemetryEvent.class);
            // 3 ms a call and 120 Heun evaluations: both identical jobs are in flight together, whatever the order
            FlowlineWorker w = kit.start(kit.config("w-17"), kit.registry(3000));
            await(Duration.ofSeconds(30), "readiness", w::ready);

            GenerationRequest a = WorkerTestKit.request("dup-a").setNumSamples(2).setSeed(5).setConditioning(WorkerTestKit.label(1))
                    .setSampler(WorkerTestKit.sampler("heun", 60).setGuidanceScale(2.0).build()).build();
            GenerationRequest b = GenerationRequest.newBuilder(a).setJobId("dup-b").setPriority(3).build();
            GenerationRequest other = GenerationRequest.newBuilder(a).setJobId("other-seed").setSeed(6).build();
            GenerationRequest preview = WorkerTestKit.request("preview").setSeed(9).setProgress(true).setPreviewEvery(10)
                    .setSampler(WorkerTestKit.sampler("euler", 60).build()).build();
            kit.sendAll(List.of(a, b, other, preview));
            await(Duration.ofSeconds(60), "4 results", () -> WorkerTestKit.jobIds(results.records).size() >= 4);

            Map<String, GenerationResult> r = WorkerTestKit.byJobId(results.records);
            assertThat(r.values()).allSatisfy(x -> assertThat(x.getStatus()).as(x.getJobId()).isEqualTo(JobStatus.SUCCEEDED));
            List<SampleOutput> outA = r.get("dup-a").getOutputs();
            List<SampleOutput> outB = r.get("dup-b").getOutputs();
            assertThat(outB).hasSize(2);
            for (int i = 0; i < 2; i++) assertThat(bytes(outB.get(i).getData())).isEqualTo(bytes(outA.get(i).getData()));
            assertThat(r.get("dup-a").getDedupedSamples() + r.get("dup-b").getDedupedSamples()).isEqualTo(2);
            assertThat(r.get("other-seed").getDedupedSamples()).isZero();
            assertThat(bytes(r.get("other-seed").getOutputs().get(0).getData())).isNotEqualTo(bytes(outA.get(0).getData()));
            await(Duration.ofSeconds(10), "telemetry counting the saved rows", () -> telemetry.records.stream()
                    .filter(e -> e.getEvent() instanceof BatchInterval).mapToLong(e -> ((BatchInterval) e.getEvent()).getDedupedRows())
                    .sum() == 2L * 120 * 2); // all the follower's rows: 2 samples x 120 evaluations x 2 rows (guided)

            await(Duration.ofSeconds(10), "the final progress event", () -> progress.records.stream()
                    .anyMatch(p -> p.getJobId().equals("preview") && p.getSamplesDone() == 1));
            List<ProgressEvent> previews = progress.records.stream().filter(p -> p.getJobId().equals("preview") && p.getPreview() != null).toList();
            assertThat(previews).extracting(ProgressEvent::getStep).containsExactly(10, 20, 30, 40, 50);
            for (ProgressEvent p : previews) {
                assertThat(p.getPreview().getSampleIndex()).isZero();
                assertThat(p.getPreview().getT()).isEqualTo(p.getStep() / 60.0, org.assertj.core.data.Offset.offset(1e-9));
                BufferedImage img = ImageIO.read(new ByteArrayInputStream(bytes(p.getPreview().getPng())));
                assertThat(img.getWidth()).isEqualTo(4); // the model's 1x4x4 samples, as the PNG outputs are
                assertThat(img.getHeight()).isEqualTo(4);
            }
            assertThat(progress.records).filteredOn(p -> !p.getJobId().equals("preview")).isEmpty();
        }
    }
}
