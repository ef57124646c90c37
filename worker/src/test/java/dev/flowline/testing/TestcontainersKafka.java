package dev.flowline.testing;

import org.testcontainers.kafka.KafkaContainer;

/** Kafka in Docker (apache/kafka image), used by {@link KafkaBrokerExtension} only when Docker answers. */
final class TestcontainersKafka {
    /**
     * The broker image of the Kafka version the build uses: the version is set once, in the parent POM's
     * {@code kafka.version}, and read back here from the kafka-clients jar on the class path.
     */
    static final String IMAGE = "apache/kafka:" + org.apache.kafka.common.utils.AppInfoParser.getVersion();

    private TestcontainersKafka() {}

    static KafkaBrokerExtension.ClusterResource start() {
        KafkaContainer container = new KafkaContainer(IMAGE);
        container.start();
        return new KafkaBrokerExtension.ClusterResource(
                new KafkaBrokerExtension.Simple("testcontainers", container.getBootstrapServers()), container::stop);
    }
}
