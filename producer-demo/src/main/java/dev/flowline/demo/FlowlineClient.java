package dev.flowline.demo;

import dev.flowline.avro.ControlAction;
import dev.flowline.avro.ControlCommand;
import dev.flowline.avro.GenerationRequest;
import dev.flowline.avro.GenerationResult;
import dev.flowline.config.TopicOptions;
import dev.flowline.schema.MessageCodec;
import dev.flowline.schema.MessageDecodeException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * A Flowline client: submits jobs (idempotent producer, acks=all, keyed by job id), cancels them, and follows the
 * results topic. Thread-safe for submits; {@link #pollResults} belongs to one thread.
 */
public final class FlowlineClient implements AutoCloseable {
    private final TopicOptions topics;
    private final MessageCodec codec = MessageCodec.standard();
    private final KafkaProducer<String, byte[]> producer;
    private final KafkaConsumer<String, byte[]> results;

    /**
     * @param fromBeginning read results from the start of the topic (watch --from-beginning) instead of the end
     */
    public FlowlineClient(Map<String, Object> clientProperties, TopicOptions topics, boolean fromBeginning) {
        this.topics = topics;
        Map<String, Object> p = new HashMap<>(clientProperties);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 1);
        this.producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());

        Map<String, Object> c = new HashMap<>(clientProperties);
        // A private group per client: every client sees every result (results are keyed by job id, not routed).
        c.put(ConsumerConfig.GROUP_ID_CONFIG, "flowline-demo-" + UUID.randomUUID());
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, fromBeginning ? "earliest" : "latest");
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        this.results = new KafkaConsumer<>(c, new StringDeserializer(), new ByteArrayDeserializer());
        results.subscribe(List.of(topics.resultsTopic()));
    }

    /**
     * Asks the cluster for its nodes, bounded by {@code timeout}: without a broker Kafka's clients retry forever, so
     * commands check this first and fail with "cannot reach Kafka at ..." instead.
     *
     * @throws dev.flowline.cli.CliErrors.UserError when no broker answered in time (or the answer was a failure)
     */
    public static void requireReachable(Map<String, Object> clientProperties, Duration timeout) {
        Map<String, Object> p = new HashMap<>(clientProperties);
        p.put(org.apache.kafka.clients.admin.AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
        p.put(org.apache.kafka.clients.admin.AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) Math.min(timeout.toMillis(), 30_000));
        p.keySet().retainAll(org.apache.kafka.clients.admin.AdminClientConfig.configNames());
        String where = String.valueOf(clientProperties.get("bootstrap.servers"));
        org.apache.kafka.clients.admin.Admin admin;
        try {
            admin = org.apache.kafka.clients.admin.Admin.create(p);
        } catch (org.apache.kafka.common.KafkaException e) {
            throw new dev.flowline.cli.CliErrors.UserError("cannot reach Kafka at " + where + ": " + rootMessage(e), e);
        }
        try {
            admin.describeCluster(new org.apache.kafka.clients.admin.DescribeClusterOptions().timeoutMs((int) timeout.toMillis()))
                    .nodes().get(timeout.toMillis() + 2_000, java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new dev.flowline.cli.CliErrors.UserError("interrupted while connecting to Kafka at " + where, e);
        } catch (Exception e) {
            throw new dev.flowline.cli.CliErrors.UserError("cannot reach Kafka at " + where + " within " + timeout.toSeconds()
                    + " s (" + rootMessage(e) + "); is a broker running there? (--connect-timeout changes the wait)", e);
        } finally {
            admin.close(Duration.ZERO);
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable c = e;
        while (c.getCause() != null && c.getCause() != c) c = c.getCause();
        return c.getClass().getSimpleName() + ": " + c.getMessage();
    }

    /** Waits until the results consumer has its partitions, so that results of jobs submitted next are not missed. */
    public void awaitResultsAssignment(Duration timeout) {
        long until = System.nanoTime() + timeout.toNanos();
        while (results.assignment().isEmpty()) {
            if (System.nanoTime() > until) throw new IllegalStateException("no partitions of " + topics.resultsTopic() + " assigned within " + timeout);
            results.poll(Duration.ofMillis(50));
        }
        // Position now, so that "latest" is fixed before any job is submitted.
        results.assignment().forEach(results::position);
    }

    public CompletableFuture<RecordMetadata> submit(GenerationRequest job) {
        return send(topics.jobsTopic(), job.getJobId(), codec.encode(job));
    }

    public CompletableFuture<RecordMetadata> cancel(String jobId, String reason) {
        ControlCommand cmd = ControlCommand.newBuilder().setJobId(jobId).setAction(ControlAction.CANCEL).setReason(reason).build();
        return send(topics.controlTopic(), jobId, codec.encode(cmd));
    }

    /** Sends raw bytes to the jobs topic (used by tests and chaos runs to inject poison records). */
    public CompletableFuture<RecordMetadata> sendRawJob(String key, byte[] value) {
        return send(topics.jobsTopic(), key, value);
    }

    private CompletableFuture<RecordMetadata> send(String topic, String key, byte[] value) {
        CompletableFuture<RecordMetadata> f = new CompletableFuture<>();
        producer.send(new ProducerRecord<>(topic, key, value), (md, e) -> {
            if (e != null) f.completeExceptionally(e);
            else f.complete(md);
        });
        return f;
    }

    public void flush() {
        producer.flush();
    }

    /**
     * A consumer of the progress topic in a private group (from the start or from now), for {@code watch --previews};
     * the caller polls and closes it.
     */
    public KafkaConsumer<String, byte[]> progressConsumer(Map<String, Object> clientProperties, boolean fromBeginning) {
        Map<String, Object> c = new HashMap<>(clientProperties);
        c.put(ConsumerConfig.GROUP_ID_CONFIG, "flowline-demo-progress-" + UUID.randomUUID());
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, fromBeginning ? "earliest" : "latest");
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(c, new StringDeserializer(), new ByteArrayDeserializer());
        consumer.subscribe(List.of(topics.progressTopic()));
        return consumer;
    }

    /** Decodes the progress events of one poll of {@code consumer}; undecodable records are reported, not thrown. */
    public int pollProgress(KafkaConsumer<String, byte[]> consumer, Duration timeout,
                            Consumer<dev.flowline.avro.ProgressEvent> onEvent, Consumer<String> onBadRecord) {
        int n = 0;
        for (ConsumerRecord<String, byte[]> r : consumer.poll(timeout)) {
            try {
                onEvent.accept(codec.decode(r.value(), dev.flowline.avro.ProgressEvent.class));
                n++;
            } catch (MessageDecodeException e) {
                onBadRecord.accept(r.topic() + "-" + r.partition() + "@" + r.offset() + ": " + e.getMessage());
            }
        }
        return n;
    }

    /** Polls once; decodes each result and hands it over. Undecodable records are reported, not thrown. */
    public int pollResults(Duration timeout, Consumer<GenerationResult> onResult, Consumer<String> onBadRecord) {
        int n = 0;
        for (ConsumerRecord<String, byte[]> r : results.poll(timeout)) {
            try {
                onResult.accept(codec.decode(r.value(), GenerationResult.class));
                n++;
            } catch (MessageDecodeException e) {
                onBadRecord.accept(r.topic() + "-" + r.partition() + "@" + r.offset() + ": " + e.getMessage());
            }
        }
        return n;
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(10));
        results.close(Duration.ofSeconds(5));
    }
}
