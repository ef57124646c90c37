package dev.flowline.kafka;

import dev.flowline.app.FlowlineWorker;
import dev.flowline.avro.Conditioning;
import dev.flowline.avro.ControlAction;
import dev.flowline.avro.ControlCommand;
import dev.flowline.avro.DeadLetter;
import dev.flowline.avro.GenerationRequest;
import dev.flowline.avro.GenerationResult;
import dev.flowline.avro.OutputFormat;
import dev.flowline.avro.SamplerSpec;
import dev.flowline.config.HttpOptions;
import dev.flowline.config.TelemetryOptions;
import dev.flowline.config.TopicOptions;
import dev.flowline.config.WorkerConfig;
import dev.flowline.config.WorkerOptions;
import dev.flowline.model.AnalyticGaussianModel;
import dev.flowline.model.ModelRegistry;
import dev.flowline.model.ModelRegistryOptions;
import dev.flowline.schema.MessageCodec;
import dev.flowline.schema.MessageDecodeException;
import dev.flowline.testing.KafkaCluster;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;

/**
 * Real-broker test plumbing: a worker configuration on unique topics, a registry of closed-form models, a producer
 * of real Avro job records, and readers of every output topic.
 */
final class WorkerTestKit implements AutoCloseable {
    static final String MODEL = "gauss";
    static final MessageCodec CODEC = MessageCodec.standard();

    final KafkaCluster kafka;
    final TopicOptions topics;
    final String groupId;
    private final KafkaProducer<String, byte[]> producer;
    private final List<AutoCloseable> closeables = new CopyOnWriteArrayList<>();

    WorkerTestKit(KafkaCluster kafka, int partitions) {
        this.kafka = kafka;
        String prefix = KafkaCluster.uniqueTopic("t") + ".";
        this.topics = new TopicOptions(prefix, "jobs", "results", "progress", "telemetry", "dead-letter", "control", partitions, (short) 1);
        this.groupId = prefix + "workers";
        List<String> names = topics.allTopics();
        kafka.createTopics(partitions, names.toArray(String[]::new));
        Map<String, Object> p = new HashMap<>(kafka.clientProperties());
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        this.producer = new KafkaProducer<>(p);
    }

    /** A small, fast configuration: short commit interval and revoke grace, HTTP on a free port, quick telemetry. */
    WorkerConfig config(String workerId) {
        WorkerConfig c = WorkerConfig.defaults(kafka.bootstrapServers());
        return c.withWorker(new WorkerOptions(workerId, Duration.ofSeconds(20)))
                .withKafka(c.kafka().withGroupId(groupId).withRevokeGrace(Duration.ofMillis(1500))
                        .withCommitInterval(Duration.ofMillis(200)))
                .withTopics(topics)
                .withHttp(new HttpOptions(true, "127.0.0.1", 0))
                .withTelemetry(new TelemetryOptions(true, Duration.ofMillis(300), true, Duration.ofMillis(100)));
    }

    /** A registry with the closed-form model only (no engines, no weights). */
    ModelRegistry registry(long costPerCallMicros) {
        return registry(costPerCallMicros, 0);
    }

    /** As {@link #registry(long)}, with a cost per row too (so that batching cannot make the run arbitrarily short). */
    ModelRegistry registry(long costPerCallMicros, long costPerRowMicros) {
        ModelRegistry r = new ModelRegistry(ModelRegistryOptions.builtInOnly().withBuiltIn(false));
        r.register(AnalyticGaussianModel.builder().optName(MODEL).optSampleShape(1, 4, 4).optNumClasses(3)
                .optCostPerCallMicros(costPerCallMicros).optCostPerRowMicros(costPerRowMicros).build());
        closeables.add(r);
        return r;
    }

    FlowlineWorker start(WorkerConfig config, ModelRegistry registry) {
        FlowlineWorker w = FlowlineWorker.start(config, registry);
        closeables.add(() -> w.kill().get(30, java.util.concurrent.TimeUnit.SECONDS));
        return w;
    }

    /** A worker writing large outputs to the given store (which it owns). */
    FlowlineWorker start(WorkerConfig config, ModelRegistry registry, dev.flowline.output.OutputStore store) {
        FlowlineWorker w = FlowlineWorker.start(config, registry, store);
        closeables.add(() -> w.kill().get(30, java.util.concurrent.TimeUnit.SECONDS));
        return w;
    }

    // ---- requests ----

    static SamplerSpec.Builder sampler(String solver, Integer steps) {
        return SamplerSpec.newBuilder().setSolver(solver).setSteps(steps);
    }

    static GenerationRequest.Builder request(String jobId) {
        return GenerationRequest.newBuilder().setJobId(jobId).setModel(MODEL).setNumSamples(1)
                .setSampler(sampler("euler", 4).build()).setSeed(jobId.hashCode());
    }

    static Conditioning label(int c) {
        return Conditioning.newBuilder().setClassLabel(c).build();
    }

    void send(GenerationRequest r) {
        sendRaw(topics.jobsTopic(), r.getJobId(), CODEC.encode(r));
    }

    void sendRaw(String topic, String key, byte[] value) {
        try {
            producer.send(new ProducerRecord<>(topic, key, value)).get();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    void sendRaw(String topic, int partition, String key, byte[] value) {
        try {
            producer.send(new ProducerRecord<>(topic, partition, key, value)).get();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    void sendAll(List<GenerationRequest> rs) {
        List<java.util.concurrent.Future<?>> fs = new ArrayList<>();
        for (GenerationRequest r : rs) fs.add(producer.send(new ProducerRecord<>(topics.jobsTopic(), r.getJobId(), CODEC.encode(r))));
        for (var f : fs) {
            try {
                f.get();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }

    void cancel(String jobId) {
        ControlCommand c = ControlCommand.newBuilder().setJobId(jobId).setAction(ControlAction.CANCEL).setReason("test").build();
        sendRaw(topics.controlTopic(), jobId, CODEC.encode(c));
    }

    // ---- readers ----

    /** Reads a topic from the beginning on a background thread, decoding each value as {@code type}. */
    <T extends SpecificRecord> TopicReader<T> reader(String topic, Class<T> type) {
        TopicReader<T> r = new TopicReader<>(kafka, topic, type);
        closeables.add(r);
        return r;
    }

    TopicReader<GenerationResult> results() {
        return reader(topics.resultsTopic(), GenerationResult.class);
    }

    TopicReader<DeadLetter> deadLetters() {
        return reader(topics.deadLetterTopic(), DeadLetter.class);
    }

    static final class TopicReader<T extends SpecificRecord> implements AutoCloseable {
        final List<T> records = new CopyOnWriteArrayList<>();
        final List<String> undecodable = new CopyOnWriteArrayList<>();
        private final Thread thread;
        private volatile boolean stop;

        TopicReader(KafkaCluster kafka, String topic, Class<T> type) {
            Map<String, Object> p = new HashMap<>(kafka.clientProperties());
            p.put(ConsumerConfig.GROUP_ID_CONFIG, "reader-" + UUID.randomUUID());
            p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
            p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
            p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
            KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(p);
            c.subscribe(List.of(topic));
            thread = new Thread(() -> {
                try (c) {
                    while (!stop) {
                        for (ConsumerRecord<String, byte[]> rec : c.poll(Duration.ofMillis(100))) {
                            try {
                                records.add(CODEC.decode(rec.value(), type));
                            } catch (MessageDecodeException e) {
                                undecodable.add(rec.key() + ": " + e.getMessage());
                            }
                        }
                    }
                }
            }, "reader-" + topic);
            thread.setDaemon(true);
            thread.start();
        }

        @Override
        public void close() throws InterruptedException {
            stop = true;
            thread.join(5000);
        }
    }

    static Map<String, GenerationResult> byJobId(List<GenerationResult> results) {
        Map<String, GenerationResult> m = new ConcurrentHashMap<>();
        results.forEach(r -> m.put(r.getJobId(), r));
        return m;
    }

    static Set<String> jobIds(List<GenerationResult> results) {
        return results.stream().map(GenerationResult::getJobId).collect(Collectors.toSet());
    }

    /** Waits until the condition holds, failing with {@code what} after the timeout. */
    static void await(Duration timeout, String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("timed out after " + timeout + " waiting for " + what);
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    /** Committed offset of the group minus the log end offset, summed over the jobs topic's partitions (0 = no lag). */
    long lag() {
        try (Admin admin = kafka.admin()) {
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(groupId)
                    .partitionsToOffsetAndMetadata().get();
            Set<TopicPartition> parts = admin.describeTopics(List.of(topics.jobsTopic())).allTopicNames().get()
                    .get(topics.jobsTopic()).partitions().stream()
                    .map(p -> new TopicPartition(topics.jobsTopic(), p.partition())).collect(Collectors.toSet());
            Map<TopicPartition, OffsetSpec> latest = parts.stream().collect(Collectors.toMap(tp -> tp, tp -> OffsetSpec.latest()));
            Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends = admin.listOffsets(latest).all().get();
            long lag = 0;
            for (TopicPartition tp : parts) {
                OffsetAndMetadata c = committed.get(tp);
                lag += ends.get(tp).offset() - (c == null ? 0 : c.offset());
            }
            return lag;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static Instant in(Duration d) {
        return Instant.now().plus(d);
    }

    @Override
    public void close() {
        for (AutoCloseable c : closeables.reversed()) {
            try {
                c.close();
            } catch (Exception e) {
                // best effort
            }
        }
        producer.close(Duration.ofSeconds(2));
    }

    static OutputFormat raw() {
        return OutputFormat.RAW_FLOAT32;
    }
}
