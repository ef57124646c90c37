package dev.flowline.kafka;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flowline.avro.Conditioning;
import dev.flowline.avro.ControlAction;
import dev.flowline.avro.ControlCommand;
import dev.flowline.avro.DeadLetter;
import dev.flowline.avro.GenerationRequest;
import dev.flowline.avro.GenerationResult;
import dev.flowline.schema.AvroJson;
import dev.flowline.testing.KafkaBrokerExtension;
import dev.flowline.testing.KafkaCluster;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The bad-input corpus ({@code bad-inputs/corpus.jsonl}) through one real worker on ONE partition, in order: every
 * case ends as the expected dead letter (code, and a message naming the field) or result status, and the valid jobs
 * after the poison still succeed; the partition is not stuck (lag 0). Real broker, real Avro bytes.
 */
@ExtendWith(KafkaBrokerExtension.class)
class BadInputCorpusTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String BASE = """
            {"jobId": "x", "model": "gauss", "numSamples": 1, "sampler": {"solver": "euler", "steps": {"int": 4}},
             "seed": 7, "outputFormat": "RAW_FLOAT32"}""";
    static final String SLOW_JOB = "slow-job";

    record Case(String name, String expect, String code, String field, List<Sent> records) {}

    record Sent(String key, byte[] value) {}

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void everyBadRecordEndsWithItsReasonAndValidJobsAfterItSucceed(KafkaCluster kafka) throws Exception {
        List<Case> cases = load();
        assertThat(cases).hasSizeGreaterThanOrEqualTo(30);
        try (WorkerTestKit kit = new WorkerTestKit(kafka, 1);
             KafkaProducer<String, byte[]> producer = producer(kafka)) {
            var results = kit.results();
            var deadLetters = kit.deadLetters();
            // A model call costs 300 µs, so the 1,000-step slow job is still running when its duplicate arrives.
            kit.start(kit.config("corpus-worker"), kit.registry(300));

            Map<Long, Case> byOffset = new HashMap<>();
            for (Case c : cases) {
                for (Sent s : c.records()) {
                    RecordMetadata md = producer.send(new ProducerRecord<>(kit.topics.jobsTopic(), s.key(), s.value())).get();
                    byOffset.put(md.offset(), c);
                }
            }
            long expectedDlq = cases.stream().filter(c -> c.expect().equals("dlq")).count();
            long expectedResults = cases.stream().filter(c -> c.expect().equals("result")).count() + 1; // + the slow job
            WorkerTestKit.await(Duration.ofSeconds(90), "every case to end", () ->
                    deadLetters.records.size() >= expectedDlq && results.records.size() >= expectedResults);

            List<String> wrong = new ArrayList<>();
            Map<String, DeadLetter> dlqByCase = new LinkedHashMap<>();
            for (DeadLetter d : deadLetters.records) {
                Case c = byOffset.get(d.getOriginalOffset());
                if (c == null) {
                    wrong.add("dead letter at unknown offset " + d.getOriginalOffset());
                    continue;
                }
                if (dlqByCase.put(c.name(), d) != null) wrong.add(c.name() + ": more than one dead letter");
            }
            Map<String, GenerationResult> resultByJob = WorkerTestKit.byJobId(results.records);
            for (Case c : cases) {
                if (c.expect().equals("dlq")) {
                    DeadLetter d = dlqByCase.get(c.name());
                    if (d == null) {
                        wrong.add(c.name() + ": no dead letter" + (resultByJob.containsKey(c.name()) ? " but a result " + resultByJob.get(c.name()).getStatus() : ""));
                    } else if (!d.getErrorCode().equals(c.code()) || !d.getErrorMessage().contains(c.field())) {
                        wrong.add(c.name() + ": expected " + c.code() + " naming '" + c.field() + "', got " + d.getErrorCode() + ": "
                                + abbreviate(d.getErrorMessage()));
                    } else if (d.getErrorMessage().length() > 4096 || (d.getJobId() != null && d.getJobId().length() > 1024)) {
                        wrong.add(c.name() + ": dead letter echoes a huge field (" + d.getErrorMessage().length() + " chars)");
                    } else if (d.getOriginalValue() == null && !d.getErrorMessage().contains("omitted: too large")
                            && c.records().stream().anyMatch(r -> r.value() != null)) {
                        // TOPICS.md: only an oversized record may lose its bytes, and its message says so
                        wrong.add(c.name() + ": dead letter without the original bytes (a replay tool cannot re-drive it)");
                    }
                } else {
                    GenerationResult r = resultByJob.get(c.name());
                    if (r == null) wrong.add(c.name() + ": no result" + (dlqByCase.containsKey(c.name()) ? " but dead letter "
                            + dlqByCase.get(c.name()).getErrorCode() + ": " + abbreviate(dlqByCase.get(c.name()).getErrorMessage()) : ""));
                    else if (!r.getStatus().name().equals(c.code())) wrong.add(c.name() + ": expected " + c.code() + ", got " + r.getStatus()
                            + " " + r.getErrorCode() + " " + r.getErrorMessage());
                }
            }
            GenerationResult slow = resultByJob.get(SLOW_JOB);
            if (slow == null || !slow.getStatus().name().equals("SUCCEEDED")) wrong.add("the slow job (first copy) did not succeed: " + slow);
            assertThat(wrong).as("cases with a wrong outcome").isEmpty();
            WorkerTestKit.await(Duration.ofSeconds(20), "the partition to be committed to its end", () -> kit.lag() == 0);
        }
    }

    private static KafkaProducer<String, byte[]> producer(KafkaCluster kafka) {
        Map<String, Object> p = new HashMap<>(kafka.clientProperties());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 1_000_000);
        return new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
    }

    // ---- the corpus ----

    static List<Case> load() throws Exception {
        List<Case> cases = new ArrayList<>();
        try (var in = new BufferedReader(new InputStreamReader(
                Objects.requireNonNull(BadInputCorpusTest.class.getResourceAsStream("/bad-inputs/corpus.jsonl")), StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                if (line.isBlank() || line.startsWith("#")) continue;
                JsonNode n = JSON.readTree(line);
                String name = n.get("name").asText();
                List<Sent> records = n.has("raw") ? raw(n.get("raw").asText(), name) : List.of(new Sent(name, job(name, n)));
                cases.add(new Case(name, n.get("expect").asText(), n.get("code").asText(), n.path("field").asText(""), records));
            }
        }
        return cases;
    }

    static GenerationRequest base(String jobId) throws Exception {
        GenerationRequest r = AvroJson.readRequest(BASE);
        r.setJobId(jobId);
        return r;
    }

    private static byte[] job(String name, JsonNode n) throws Exception {
        ObjectNode json = (ObjectNode) JSON.readTree(BASE);
        json.put("jobId", name);
        if (n.has("patch")) merge(json, (ObjectNode) n.get("patch"));
        GenerationRequest r = AvroJson.readRequest(json.toString());
        if (n.has("doubles")) {
            for (Iterator<Map.Entry<String, JsonNode>> it = n.get("doubles").fields(); it.hasNext(); ) {
                var e = it.next();
                double[] v = Arrays.stream(e.getValue().asText().split(",")).mapToDouble(Double::parseDouble).toArray();
                switch (e.getKey()) {
                    case "sampler.guidanceScale" -> r.getSampler().setGuidanceScale(v[0]);
                    case "sampler.stochasticity" -> r.getSampler().setStochasticity(v[0]);
                    case "sampler.times" -> r.getSampler().setTimes(Arrays.stream(v).boxed().toList());
                    case "conditioning.vector" -> r.setConditioning(Conditioning.newBuilder()
                            .setVector(Arrays.stream(v).mapToObj(d -> (float) d).toList()).build());
                    default -> throw new IllegalArgumentException("corpus: no double field " + e.getKey());
                }
            }
        }
        return WorkerTestKit.CODEC.encode(r);
    }

    private static void merge(ObjectNode into, ObjectNode patch) {
        patch.fields().forEachRemaining(e -> {
            if (e.getValue().isObject() && into.get(e.getKey()) instanceof ObjectNode target) merge(target, (ObjectNode) e.getValue());
            else into.set(e.getKey(), e.getValue());
        });
    }

    /** Records no JSON line can describe: wrong bytes, other schemas, huge strings, keys, duplicates. */
    static List<Sent> raw(String kind, String name) throws Exception {
        byte[] valid = WorkerTestKit.CODEC.encode(base(name));
        return switch (kind) {
            case "garbage" -> List.of(new Sent(name, "this is not avro at all \u0000\u00ff".getBytes(StandardCharsets.UTF_8)));
            case "empty" -> List.of(new Sent(name, new byte[0]));
            case "null" -> List.of(new Sent(name, null));
            case "short-header" -> List.of(new Sent(name, new byte[] {(byte) 0xC3, 0x01, 0x00}));
            case "header-only" -> List.of(new Sent(name, Arrays.copyOf(valid, 10)));
            case "truncated" -> List.of(new Sent(name, Arrays.copyOf(valid, valid.length - 6)));
            case "trailing" -> {
                byte[] b = Arrays.copyOf(valid, valid.length + 3);
                b[valid.length] = 1;
                yield List.of(new Sent(name, b));
            }
            case "unknown-fingerprint" -> {
                byte[] b = valid.clone();
                for (int i = 2; i < 10; i++) b[i] = (byte) (b[i] ^ 0x5A);
                yield List.of(new Sent(name, b));
            }
            case "control-command" -> List.of(new Sent(name, WorkerTestKit.CODEC.encode(
                    ControlCommand.newBuilder().setJobId(name).setAction(ControlAction.CANCEL).build())));
            case "huge-key-garbage" -> List.of(new Sent("k".repeat(900_000), "garbage".getBytes(StandardCharsets.UTF_8)));
            case "huge-job-id" -> {
                GenerationRequest r = base("j".repeat(900_000));
                yield List.of(new Sent(name, WorkerTestKit.CODEC.encode(r)));
            }
            case "huge-model-name" -> {
                GenerationRequest r = base(name);
                r.setModel("m".repeat(900_000));
                yield List.of(new Sent(name, WorkerTestKit.CODEC.encode(r)));
            }
            case "big-metadata" -> {
                GenerationRequest r = base(name);
                r.setMetadata(Map.of("blob", "b".repeat(20_000)));
                yield List.of(new Sent(name, WorkerTestKit.CODEC.encode(r)));
            }
            case "null-key" -> List.of(new Sent(null, valid));
            case "duplicate" -> {
                GenerationRequest r = base(SLOW_JOB);
                r.getSampler().setSteps(1000);
                byte[] slow = WorkerTestKit.CODEC.encode(r);
                yield List.of(new Sent(SLOW_JOB, slow), new Sent(SLOW_JOB, slow));
            }
            default -> throw new IllegalArgumentException("corpus: no raw kind " + kind);
        };
    }

    private static String abbreviate(String s) {
        return s.length() > 300 ? s.substring(0, 300) + "...(" + s.length() + " chars)" : s;
    }
}
