package dev.flowline.testing;

import org.testcontainers.kafka.KafkaContainer;

/** Kafka in Docker (apache/kafka image), used by {@link KafkaBrokerExtension} only when Docker answers. */
final class TestcontainersKafka {
    static final String IMAGE = "apache/kafka:4.1.0";

    private TestcontainersKafka() {}

    static KafkaBrokerExtension.ClusterResource start() {
        KafkaContainer container = new KafkaContainer(IMAGE);
        container.start();
        return new KafkaBrokerExtension.ClusterResource(
                new KafkaBrokerExtension.Simple("testcontainers", container.getBootstrapServers()), container::stop);
    }
}
