package dev.flowline.kafka;

import dev.flowline.app.FlowlineWorker;
import dev.flowline.avro.DeadLetter;
import dev.flowline.avro.GenerationRequest;
import dev.flowline.avro.GenerationResult;
import dev.flowline.avro.JobCompleted;
import dev.flowline.avro.BatchInterval;
import dev.flowline.avro.JobStatus;
import dev.flowline.avro.OutputFormat;
import dev.flowline.avro.ProgressEvent;
import dev.flowline.avro.SampleOutput;
import dev.flowline.avro.TelemetryEvent;
import dev.flowline.config.WorkerConfig;
import dev.flowline.testing.KafkaBrokerExtension;
import dev.flowline.testing.KafkaCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import javax.imageio.ImageIO;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static dev.flowline.kafka.WorkerTestKit.await;
import static dev.flowline.kafka.WorkerTestKit.label;
import static dev.flowline.kafka.WorkerTestKit.request;
import static dev.flowline.kafka.WorkerTestKit.sampler;
import static org.assertj.core.api.Assertions.assertThat;

/** One worker against a real broker: the happy path at volume, observability, and a graceful drain. */
@ExtendWith(KafkaBrokerExtension.class)
class WorkerEndToEndTest {
    private static final String[] SOLVERS = {"euler", "midpoint", "heun", "ralston3", "rk4", "ab2", "ab3", "dopri5"};

    /** 200 jobs of every solver, both formats, guided and not, some with progress. */
    static List<GenerationRequest> mixedJobs(String prefix, int n) {
        List<GenerationRequest> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String solver = SOLVERS[i % SOLVERS.length];
            var spec = solver.equals("dopri5")
                    ? sampler(solver, null).setSolverParams(Map.of("rtol", 1e-2, "atol", 1e-2))
                    : sampler(solver, 3 + i % 4);
            var b = request(prefix + i).setNumSamples(1 + i % 3)
                    .setOutputFormat(i % 2 == 0 ? OutputFormat.PNG : OutputFormat.RAW_FLOAT32)
                    .setProgress(i % 10 == 0)
                    .setMetadata(Map.of("i", String.valueOf(i)));
            if (i % 5 == 0 && !solver.equals("dopri5")) {
                spec.setGuidanceScale(2.0);
                b.setConditioning(label(i % 3));
            } else if (i % 4 == 1) {
                b.setConditioning(label(i % 3));
            }
            out.add(b.setSampler(spec.build()).build());
        }
        return out;
    }

    @Test
    void twoHundredMixedJobsAllGetResultsAndOffsetsAreCommittedToTheEnd(KafkaCluster kafka) throws Exception {
        try (WorkerTestKit kit = new WorkerTestKit(kafka, 4)) {
            var results = kit.results();
            var telemetry = kit.reader(kit.topics.telemetryTopic(), TelemetryEvent.class);
            var progress = kit.reader(kit.topics.progressTopic(), ProgressEvent.class);
            FlowlineWorker w = kit.start(kit.config("w-e2e"), kit.registry(0));
            await(Duration.ofSeconds(30), "readiness", w::ready);

            List<GenerationRequest> jobs = mixedJobs("e2e-", 200);
            kit.sendAll(jobs);
            await(Duration.ofSeconds(90), "200 results", () -> WorkerTestKit.jobIds(results.records).size() >= 200);

            assertThat(results.undecodable).isEmpty();
            Map<String, GenerationResult> byId = WorkerTestKit.byJobId(results.records);
            for (GenerationRequest req : jobs) {
                GenerationResult r = byId.get(req.getJobId());
                assertThat(r).as(req.getJobId()).isNotNull();
                assertThat(r.getStatus()).as(req.getJobId() + " " + r.getErrorMessage()).isEqualTo(JobStatus.SUCCEEDED);
                assertThat(r.getWorkerId()).isEqualTo("w-e2e");
                assertThat(r.getMetadata()).isEqualTo(req.getMetadata());
                assertThat(r.getNfe()).isPositive();
                assertThat(r.getOutputs()).hasSize(req.getNumSamples());
                for (SampleOutput o : r.getOutputs()) {
                    byte[] data = bytes(o.getData());
                    assertThat(o.getShape()).containsExactly(1, 4, 4);
                    if (req.getOutputFormat() == OutputFormat.PNG) {
                        assertThat(o.getMediaType()).isEqualTo("image/png");
                        assertThat(ImageIO.read(new ByteArrayInputStream(data)).getHeight()).isEqualTo(4);
                    } else {
                        assertThat(o.getMediaType()).isEqualTo("application/x-float32-le");
                        float[] v = OutputEncoder.decodeRawFloat32(data);
                        assertThat(v).hasSize(16);
                        for (float f : v) assertThat(Float.isFinite(f)).isTrue();
                    }
                }
            }
            await(Duration.ofSeconds(15), "committed offsets at the log end", () -> kit.lag() == 0);

            // observability: HTTP endpoints, telemetry and progress topics
            HttpClient http = HttpClient.newHttpClient();
            String base = "http://127.0.0.1:" + w.httpPort();
            assertThat(get(http, base + "/health").statusCode()).isEqualTo(200);
            assertThat(get(http, base + "/ready").statusCode()).isEqualTo(200);
            HttpResponse<String> metrics = get(http, base + "/metrics");
            assertThat(metrics.statusCode()).isEqualTo(200);
            assertThat(metrics.body()).contains("flowline_jobs_completed_total{", "status=\"SUCCEEDED\"", "flowline_batch_rows_bucket",
                    "flowline_model_call_seconds", "flowline_jobs_in_flight", "kafka_consumer_fetch_manager_records_lag_max");
            assertThat(w.metrics().completed("SUCCEEDED")).isEqualTo(200);
            await(Duration.ofSeconds(10), "telemetry events", () ->
                    telemetry.records.stream().filter(e -> e.getEvent() instanceof JobCompleted).count() >= 200
                            && telemetry.records.stream().anyMatch(e -> e.getEvent() instanceof BatchInterval b && !b.getGroups().isEmpty()));
            assertThat(telemetry.records).allSatisfy(e -> assertThat(e.getWorkerId()).isEqualTo("w-e2e"));
            List<GenerationRequest> withProgress = jobs.stream().filter(GenerationRequest::getProgress).toList();
            await(Duration.ofSeconds(10), "a final progress event per job that asked", () -> withProgress.stream().allMatch(req ->
                    progress.records.stream().anyMatch(p -> p.getJobId().equals(req.getJobId()) && p.getSamplesDone() == req.getNumSamples())));
            assertThat(progress.records).allSatisfy(p -> assertThat(withProgress.stream().map(GenerationRequest::getJobId)).contains(p.getJobId()));

            w.drain().get(30, TimeUnit.SECONDS);
            assertThat(w.ready()).isFalse();
            assertThat(kit.lag()).isZero();
        }
    }

    /** Also runs the classic group protocol (cooperative-sticky), which the worker supports besides KIP-848. */
    @ParameterizedTest(name = "group.protocol={0}")
    @ValueSource(strings = {"consumer", "classic"})
    void poisonRecordsAreDeadLetteredWithReasonsAndTheSamePartitionKeepsServing(String protocol, KafkaCluster kafka) throws Exception {
        try (WorkerTestKit kit = new WorkerTestKit(kafka, 1)) {
            var results = kit.results();
            var dead = kit.deadLetters();
            WorkerConfig cfg = kit.config("w-poison");
            cfg = cfg.withLimits(cfg.limits().withMaxResultBytes(4096)).withKafka(cfg.kafka().withGroupProtocol(protocol));
            FlowlineWorker w = kit.start(cfg, kit.registry(0));
            await(Duration.ofSeconds(30), "readiness", w::ready);

            String jobs = kit.topics.jobsTopic();
            byte[] valid = WorkerTestKit.CODEC.encode(request("ok-1").build());
            kit.send(request("ok-0").build());
            kit.sendRaw(jobs, "garbage", "this is not avro".getBytes());
            kit.sendRaw(jobs, "empty", new byte[0]);
            kit.sendRaw(jobs, "wrong-type", WorkerTestKit.CODEC.encode(dev.flowline.avro.ControlCommand.newBuilder()
                    .setJobId("x").setAction(dev.flowline.avro.ControlAction.CANCEL).build()));
            kit.sendRaw(jobs, "truncated", java.util.Arrays.copyOf(valid, valid.length - 3));
            kit.send(request("bad-steps").setSampler(sampler("heun", 0).build()).build());
            kit.send(request("bad-model").setModel("no-such-model").build());
            kit.send(request("bad-guidance").setSampler(sampler("heun", 4).setGuidanceScale(3.0).build()).build());
            kit.sendRaw(jobs, "ok-1", valid);
            kit.send(request("too-large").setNumSamples(64).setOutputFormat(OutputFormat.RAW_FLOAT32).build());
            kit.send(request("ok-2").build());

            await(Duration.ofSeconds(30), "7 dead letters and 4 results", () -> dead.records.size() >= 7 && results.records.size() >= 4);
            Map<String, String> codes = new java.util.TreeMap<>();
            for (DeadLetter d : dead.records) codes.put(d.getOriginalKey(), d.getErrorCode() + " " + d.getErrorMessage());
            assertThat(codes).hasSize(7);
            assertThat(codes.get("garbage")).startsWith("DECODE_BAD_HEADER");
            assertThat(codes.get("empty")).startsWith("DECODE_EMPTY");
            assertThat(codes.get("wrong-type")).startsWith("DECODE_WRONG_TYPE");
            assertThat(codes.get("truncated")).matches("DECODE_(TRUNCATED|CORRUPT).*");
            assertThat(codes.get("bad-steps")).startsWith("INVALID_FIELD sampler.steps:");
            assertThat(codes.get("bad-model")).startsWith("UNKNOWN_MODEL model:").contains("no-such-model");
            assertThat(codes.get("bad-guidance")).startsWith("INVALID_FIELD sampler.guidanceScale:");
            for (DeadLetter d : dead.records) {
                assertThat(d.getOriginalTopic()).isEqualTo(jobs);
                assertThat(d.getOriginalPartition()).isZero();
                assertThat(d.getWorkerId()).isEqualTo("w-poison");
                assertThat(d.getErrorClass()).isNotBlank();
            }
            DeadLetter garbage = dead.records.stream().filter(d -> d.getOriginalKey().equals("garbage")).findFirst().orElseThrow();
            assertThat(bytes(garbage.getOriginalValue())).isEqualTo("this is not avro".getBytes());
            assertThat(garbage.getOriginalOffset()).isEqualTo(1);

            Map<String, GenerationResult> byId = WorkerTestKit.byJobId(results.records);
            for (String ok : List.of("ok-0", "ok-1", "ok-2")) assertThat(byId.get(ok).getStatus()).isEqualTo(JobStatus.SUCCEEDED);
            assertThat(byId.get("too-large").getStatus()).isEqualTo(JobStatus.FAILED);
            assertThat(byId.get("too-large").getErrorCode()).isEqualTo("RESULT_TOO_LARGE");
            await(Duration.ofSeconds(15), "committed offsets at the log end", () -> kit.lag() == 0);
            w.drain().get(30, TimeUnit.SECONDS);
            assertThat(kit.lag()).isZero();
        }
    }

    static byte[] bytes(ByteBuffer b) {
        ByteBuffer d = b.duplicate();
        byte[] out = new byte[d.remaining()];
        d.get(out);
        return out;
    }

    static HttpResponse<String> get(HttpClient http, String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
