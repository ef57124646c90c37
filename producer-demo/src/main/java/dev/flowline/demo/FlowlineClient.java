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
