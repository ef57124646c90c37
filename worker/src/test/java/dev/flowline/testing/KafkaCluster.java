package dev.flowline.testing;

import dev.flowline.kafka.TopicSetup;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** The real Kafka cluster a test runs against; see {@link KafkaBrokerExtension} for how it is chosen. */
public interface KafkaCluster {

    /** "embedded", "testcontainers" or "external". */
    String kind();

    String bootstrapServers();

    /** Client properties to connect (bootstrap servers, and security settings for an external cluster). */
    default Map<String, Object> clientProperties() {
        return Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
    }

    default Admin admin() {
        return Admin.create(clientProperties());
    }

    /** A topic name no other test uses, so tests sharing one broker never see each other's records. */
    static String uniqueTopic(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** Creates the topics with the given partition count and waits until each partition has a leader. */
    default void createTopics(int partitions, String... names) {
        List<NewTopic> topics = Arrays.stream(names).map(n -> new NewTopic(n, partitions, (short) 1)).toList();
        try (Admin admin = admin()) {
            TopicSetup.ensureTopics(admin, topics, Duration.ofSeconds(30));
        } catch (Exception e) {
            throw new IllegalStateException("cannot create topics " + Arrays.toString(names), e);
        }
    }
}
