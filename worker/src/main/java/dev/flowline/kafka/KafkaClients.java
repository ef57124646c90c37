package dev.flowline.kafka;

import dev.flowline.config.KafkaOptions;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.util.HashMap;
import java.util.Map;

/**
 * Client properties of the worker's consumers and producer: Flowline's defaults, then the user's
 * {@code kafka.properties} on top (so SASL/SSL and tuning pass through unchanged).
 */
public final class KafkaClients {
    private KafkaClients() {}

    /** The jobs consumer: manual commits, KIP-848 unless {@code classic} is configured. */
    public static Map<String, Object> jobsConsumer(KafkaOptions k, String clientId) {
        Map<String, Object> p = common(k, clientId);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, k.groupId());
        p.put(ConsumerConfig.GROUP_PROTOCOL_CONFIG, k.groupProtocol());
        if (k.groupProtocol().equals("classic")) {
            // Cooperative: a rebalance revokes only the partitions that move (measured: no duplicates on a clean stop).
            p.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, CooperativeStickyAssignor.class.getName());
        }
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "200");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        return overlay(p, k);
    }

    /**
     * The share-group jobs consumer ({@code kafka.intake=share}): explicit acknowledgement, and at most
     * {@code maxRecords} records acquired per poll ({@code record_limit}: the broker acquires no more than asked, so a
     * worker never holds locks on records it has no room for). {@code kafka.properties} may override either.
     */
    public static Map<String, Object> shareConsumer(KafkaOptions k, String clientId, int maxRecords) {
        Map<String, Object> p = common(k, clientId);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, k.groupId());
        p.put(ConsumerConfig.SHARE_ACKNOWLEDGEMENT_MODE_CONFIG, "explicit");
        p.put(ConsumerConfig.SHARE_ACQUIRE_MODE_CONFIG, "record_limit");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, String.valueOf(maxRecords));
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        Map<String, Object> out = overlay(p, k);
        out.remove(ConsumerConfig.GROUP_PROTOCOL_CONFIG); // a share consumer rejects the consumer-group settings
        out.remove(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
        return out;
    }

    /** The control consumer: no group (it assigns every partition itself) and no commits. */
    public static Map<String, Object> controlConsumer(KafkaOptions k, String clientId) {
        Map<String, Object> p = common(k, clientId);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        Map<String, Object> out = overlay(p, k);
        out.remove(ConsumerConfig.GROUP_ID_CONFIG); // a user-supplied group.id would make it commit or join a group
        out.remove(ConsumerConfig.GROUP_PROTOCOL_CONFIG);
        out.remove(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
        return out;
    }

    /** The output producer: idempotent, acks=all. */
    public static Map<String, Object> producer(KafkaOptions k, String clientId) {
        Map<String, Object> p = common(k, clientId);
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        return overlay(p, k);
    }

    /** An admin client (topic creation, tests). */
    public static Map<String, Object> admin(KafkaOptions k, String clientId) {
        return overlay(common(k, clientId), k);
    }

    /** As strings, for Vert.x's {@code create(vertx, Map<String, String>)}. */
    public static Map<String, String> asStrings(Map<String, Object> props) {
        Map<String, String> m = new HashMap<>();
        props.forEach((key, v) -> m.put(key, String.valueOf(v)));
        return m;
    }

    private static Map<String, Object> common(KafkaOptions k, String clientId) {
        Map<String, Object> p = new HashMap<>();
        p.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, k.bootstrapServers());
        p.put(CommonClientConfigs.CLIENT_ID_CONFIG, clientId);
        return p;
    }

    private static Map<String, Object> overlay(Map<String, Object> p, KafkaOptions k) {
        p.putAll(k.properties());
        return p;
    }
}
