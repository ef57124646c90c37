package dev.flowline.kafka;

import dev.flowline.app.FlowlineWorker;
import dev.flowline.avro.GenerationRequest;
import dev.flowline.avro.GenerationResult;
import dev.flowline.avro.JobStatus;
import dev.flowline.avro.OutputReference;
import dev.flowline.avro.SampleOutput;
import dev.flowline.config.OutputOptions;
import dev.flowline.config.WorkerConfig;
import dev.flowline.output.Digests;
import dev.flowline.output.S3OutputStore;
import dev.flowline.testing.KafkaBrokerExtension;
import dev.flowline.testing.KafkaCluster;
import dev.flowline.testing.S3TestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static dev.flowline.kafka.WorkerTestKit.await;
import static dev.flowline.kafka.WorkerTestKit.raw;
import static dev.flowline.kafka.WorkerTestKit.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * The claim check end to end: a real broker, a worker, and a real S3-compatible server (s3proxy in this JVM, real
 * HTTP, real S3 protocol and signatures, a filesystem blob store). Every reference a result carries is read back.
 */
@ExtendWith(KafkaBrokerExtension.class)
class OutputStoreEndToEndTest {
    /** 1x4x4 float32: 64 bytes a sample, so 1 sample stays inline and 8 (512 bytes) go by reference. */
    private static final int INLINE_MAX = 200;

    private static WorkerConfig config(WorkerTestKit kit, String id, S3TestServer s3, String prefix) {
        return kit.config(id).withOutputs(OutputOptions.s3(S3TestServer.BUCKET, s3.endpoint()).withS3Prefix(prefix)
                .withInlineMaxBytes(INLINE_MAX).withRetries(3, Duration.ofMillis(50), Duration.ofSeconds(20)) // a stopped store refuses at once
                .withHealthInterval(Duration.ofMillis(300)));
    }

    private static GenerationRequest job(String id, int samples, long seed) {
        return request(id).setNumSamples(samples).setOutputFormat(raw()).setSeed(seed).build();
    }

    @Test
    void largeResultsGoByReferenceSmallOnesInlineAndAReplayWritesTheSameObjects(KafkaCluster kafka) throws Exception {
        String prefix = "e2e-" + UUID.randomUUID().toString().substring(0, 8);
        try (S3TestServer s3 = S3TestServer.start(); WorkerTestKit kit = new WorkerTestKit(kafka, 2)) {
            var results = kit.results();
            WorkerConfig cfg = config(kit, "w-s3", s3, prefix);
            FlowlineWorker w = kit.start(cfg, kit.registry(0), S3OutputStore.create(cfg.outputs(), s3.credentials()));
            await(Duration.ofSeconds(30), "readiness", w::ready);

            kit.sendAll(List.of(job("small", 1, 42), job("large", 8, 42), GenerationRequest.newBuilder(job("large-png", 8, 42))
                    .setOutputFormat(dev.flowline.avro.OutputFormat.PNG).build()));
            await(Duration.ofSeconds(60), "3 results", () -> WorkerTestKit.jobIds(results.records).size() >= 3);
            Map<String, GenerationResult> byId = WorkerTestKit.byJobId(results.records);
            GenerationResult small = byId.get("small");
            GenerationResult large = byId.get("large");

            assertThat(byId.values()).allSatisfy(r -> assertThat(r.getStatus()).isEqualTo(JobStatus.SUCCEEDED));
            assertThat(small.getOutputs()).singleElement().satisfies(o -> {
                assertThat(o.getReference()).isNull();
                assertThat(o.getData().remaining()).isEqualTo(64);
            });
            assertThat(large.getOutputs()).hasSize(8).allSatisfy(o -> {
                assertThat(o.getData().remaining()).isZero();
                assertThat(o.getReference().getUri()).isEqualTo("s3://" + S3TestServer.BUCKET + "/" + prefix + "/gauss/large/" + o.getIndex() + ".f32");
                assertThat(o.getReference().getContentType()).isEqualTo("application/x-float32-le");
            });
            assertEveryReferenceExists(s3, byId.values());
            // sample 0 of both jobs comes from the same (seed, index): the object holds what inline output would have
            assertThat(s3.read(large.getOutputs().get(0).getReference().getUri())).hasValueSatisfying(b ->
                    assertThat(b).isEqualTo(bytes(small.getOutputs().get(0).getData())));
            assertThat(s3.contentType(byId.get("large-png").getOutputs().get(3).getReference().getUri())).isEqualTo("image/png");

            kit.send(job("large", 8, 42)); // a redelivered job
            await(Duration.ofSeconds(60), "the replay's result", () -> results.records.stream().filter(r -> r.getJobId().equals("large")).count() >= 2);
            List<GenerationResult> both = results.records.stream().filter(r -> r.getJobId().equals("large")).toList();

            assertThat(both.get(1).getOutputs()).isEqualTo(both.get(0).getOutputs());
            assertThat(s3.count(prefix + "/gauss/large/")).isEqualTo(8);
            assertThat(w.outputs().notHealthyReason()).isNull();
            assertThat(w.metrics().registry().find("flowline.output.objects").counter().count()).isEqualTo(24);
            await(Duration.ofSeconds(20), "lag 0", () -> kit.lag() == 0);
        }
    }

    @Test
    void whileTheStoreIsDownJobsFailOutputStoreErrorAndOnceItIsBackTheySucceedNothingLost(KafkaCluster kafka) throws Exception {
        String prefix = "down-" + UUID.randomUUID().toString().substring(0, 8);
        try (S3TestServer s3 = S3TestServer.start(); WorkerTestKit kit = new WorkerTestKit(kafka, 2)) {
            var results = kit.results();
            WorkerConfig cfg = config(kit, "w-down", s3, prefix);
            FlowlineWorker w = kit.start(cfg, kit.registry(0), S3OutputStore.create(cfg.outputs(), s3.credentials()));
            await(Duration.ofSeconds(30), "readiness", w::ready);
            List<String> sent = new ArrayList<>();
            for (int i = 0; i < 3; i++) sent.add("before-" + i);
            kit.sendAll(sent.stream().map(id -> job(id, 8, id.hashCode())).toList());
            await(Duration.ofSeconds(60), "3 results", () -> WorkerTestKit.jobIds(results.records).size() >= 3);

            s3.stop();
            List<String> during = List.of("during-0", "during-1", "during-2", "during-small");
            kit.sendAll(during.stream().map(id -> job(id, id.endsWith("small") ? 1 : 8, id.hashCode())).toList());
            await(Duration.ofSeconds(60), "results while down", () -> WorkerTestKit.jobIds(results.records).containsAll(during));
            Map<String, GenerationResult> byId = WorkerTestKit.byJobId(results.records);

            for (String id : List.of("during-0", "during-1", "during-2")) {
                assertThat(byId.get(id).getStatus()).as(id).isEqualTo(JobStatus.FAILED);
                assertThat(byId.get(id).getErrorCode()).isEqualTo(ResultBuilder.OUTPUT_STORE_ERROR);
                assertThat(byId.get(id).getErrorMessage()).contains("gave up after 3 attempts").contains("127.0.0.1:" + s3.port());
                assertThat(byId.get(id).getOutputs()).isEmpty();
            }
            assertThat(byId.get("during-small").getStatus()).isEqualTo(JobStatus.SUCCEEDED); // inline: no store needed
            assertThat(w.notReadyReason()).contains("output store").contains("UNAVAILABLE");
            assertThat(w.outputs().notHealthyReason()).isNotNull();

            s3.restart();
            await(Duration.ofSeconds(30), "the store healthy again (idle probe)", () -> w.ready());
            List<String> after = List.of("after-0", "after-1", "after-2");
            kit.sendAll(after.stream().map(id -> job(id, 8, id.hashCode())).toList());
            await(Duration.ofSeconds(60), "results after", () -> WorkerTestKit.jobIds(results.records).containsAll(after));
            byId = WorkerTestKit.byJobId(results.records);

            for (String id : after) assertThat(byId.get(id).getStatus()).as(id).isEqualTo(JobStatus.SUCCEEDED);
            assertThat(WorkerTestKit.jobIds(results.records)).hasSize(sent.size() + during.size() + after.size());
            assertEveryReferenceExists(s3, results.records);
            assertThat(w.metrics().registry().find("flowline.output.store.errors").counters()).isNotEmpty();
            await(Duration.ofSeconds(20), "lag 0", () -> kit.lag() == 0);
        }
    }

    @Test
    void wrongCredentialsFailTheStartWithAMessageNamingTheSetting(KafkaCluster kafka) throws Exception {
        try (S3TestServer s3 = S3TestServer.start(); WorkerTestKit kit = new WorkerTestKit(kafka, 1)) {
            WorkerConfig cfg = config(kit, "w-denied", s3, "denied");

            Throwable t = catchThrowable(() -> kit.start(cfg, kit.registry(0), S3OutputStore.create(cfg.outputs(), s3.wrongCredentials())));

            assertThat(t).isInstanceOf(IllegalStateException.class).hasMessageContaining("403")
                    .hasMessageContaining("AWS_ACCESS_KEY_ID").hasMessageContaining("outputs.s3Bucket");
        }
    }

    /** Every reference names an object that exists, with the size, SHA-256 and content type the result says. */
    static void assertEveryReferenceExists(S3TestServer s3, Iterable<GenerationResult> results) {
        for (GenerationResult r : results) {
            for (SampleOutput o : r.getOutputs()) {
                OutputReference ref = o.getReference();
                if (ref == null) continue;
                byte[] stored = s3.read(ref.getUri()).orElseThrow(() -> new AssertionError(r.getJobId() + " references a missing " + ref.getUri()));
                assertThat(stored.length).isEqualTo(ref.getSizeBytes());
                assertThat(Digests.sha256Hex(stored)).isEqualTo(ref.getSha256());
                assertThat(ref.getContentType()).isEqualTo(o.getMediaType());
            }
        }
    }

    private static byte[] bytes(ByteBuffer b) {
        ByteBuffer d = b.duplicate();
        byte[] out = new byte[d.remaining()];
        d.get(out);
        return out;
    }
}
