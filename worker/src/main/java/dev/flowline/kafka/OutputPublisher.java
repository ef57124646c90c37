package dev.flowline.kafka;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.kafka.client.producer.KafkaProducer;
import io.vertx.kafka.client.producer.KafkaProducerRecord;
import io.vertx.kafka.client.producer.RecordMetadata;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * The worker's one producer (idempotent, acks=all) for results, dead letters, progress and telemetry. Thread-safe;
 * a send's future completes on the caller's Vert.x context.
 */
public final class OutputPublisher {
    private static final Logger log = LoggerFactory.getLogger(OutputPublisher.class);
    private static final long MAX_BACKOFF_MS = 30_000;

    private final Vertx vertx;
    private final KafkaProducer<String, byte[]> producer;
    /** A simulated crash: nothing more leaves this worker. */
    private volatile boolean killed;

    public OutputPublisher(Vertx vertx, Map<String, Object> producerProps) {
        this(vertx, KafkaProducer.create(vertx, KafkaClients.asStrings(producerProps)));
    }

    /** Over any Kafka producer (the component tests use Kafka's {@code MockProducer}). */
    public OutputPublisher(Vertx vertx, org.apache.kafka.clients.producer.Producer<String, byte[]> producer) {
        this(vertx, KafkaProducer.create(vertx, producer));
    }

    private OutputPublisher(Vertx vertx, KafkaProducer<String, byte[]> producer) {
        this.vertx = vertx;
        this.producer = producer;
        this.producer.exceptionHandler(e -> log.warn("producer error: {}", e.toString()));
    }

    /** One attempt (the Kafka client itself retries until delivery.timeout.ms). */
    public Future<RecordMetadata> send(String topic, String key, byte[] value) {
        if (killed) return Future.failedFuture(new IllegalStateException("worker killed: nothing more is sent"));
        return producer.send(KafkaProducerRecord.create(topic, key, value));
    }

    /**
     * Sends until the broker acks, backing off between attempts, as long as {@code stillWanted} says so (e.g. while
     * the record's partition is still assigned). Fails only when no longer wanted or the record can never be sent.
     */
    public Future<RecordMetadata> sendReliably(String topic, String key, byte[] value, BooleanSupplier stillWanted) {
        Promise<RecordMetadata> p = Promise.promise();
        attempt(topic, key, value, stillWanted, 1000, p);
        return p.future();
    }

    private void attempt(String topic, String key, byte[] value, BooleanSupplier stillWanted, long backoff, Promise<RecordMetadata> p) {
        send(topic, key, value).onComplete(ar -> {
            if (ar.succeeded()) {
                p.complete(ar.result());
            } else if (ar.cause() instanceof RecordTooLargeException || !stillWanted.getAsBoolean() || killed) {
                p.fail(ar.cause());
            } else {
                log.warn("send to {} (key {}) failed, retrying in {} ms: {}", topic, key, backoff, ar.cause().toString());
                vertx.setTimer(backoff, t -> attempt(topic, key, value, stillWanted, Math.min(MAX_BACKOFF_MS, backoff * 2), p));
            }
        });
    }

    /** Sends nothing more, from now on (an abrupt stop: as far as Kafka can tell, the process died). */
    public void kill() {
        killed = true;
    }

    public boolean killed() {
        return killed;
    }

    public Future<Void> flush() {
        return producer.flush();
    }

    public Future<Void> close(Duration timeout) {
        return producer.close(timeout.toMillis());
    }
}
