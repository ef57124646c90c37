package dev.flowline.testing;

import dev.flowline.kafka.broker.EmbeddedKafkaBroker;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Gives tests a real Kafka broker, one per test run (shared by every test class in the JVM):
 * <ol>
 *   <li>an external cluster when {@code -Dkafka.bootstrap=host:port} is set;</li>
 *   <li>else Testcontainers' {@code KafkaContainer} when a Docker engine answers;</li>
 *   <li>else the embedded single-node KRaft broker on 127.0.0.1.</li>
 * </ol>
 * Use with {@code @ExtendWith(KafkaBrokerExtension.class)} and a {@link KafkaCluster} test or lifecycle parameter.
 */
public final class KafkaBrokerExtension implements ParameterResolver {
    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(KafkaBrokerExtension.class);

    @Override
    public boolean supportsParameter(ParameterContext p, ExtensionContext ctx) {
        return p.getParameter().getType() == KafkaCluster.class;
    }

    @Override
    public Object resolveParameter(ParameterContext p, ExtensionContext ctx) throws ParameterResolutionException {
        return cluster(ctx);
    }

    /** The run's cluster, started on first use and stopped when the test run ends. */
    public static KafkaCluster cluster(ExtensionContext ctx) {
        return ctx.getRoot().getStore(NS)
                .getOrComputeIfAbsent("cluster", k -> start(), ClusterResource.class)
                .cluster();
    }

    private static ClusterResource start() {
        String external = System.getProperty("kafka.bootstrap", "").trim();
        if (!external.isEmpty() && !external.startsWith("${")) {
            return new ClusterResource(new Simple("external", external), () -> {});
        }
        if (!Boolean.getBoolean("flowline.test.noDocker") && DockerProbe.dockerAvailable()) {
            // Loaded lazily: Testcontainers' classes are touched only when Docker is there.
            return TestcontainersKafka.start();
        }
        EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start();
        return new ClusterResource(new Simple("embedded", broker.bootstrapServers()), broker::close);
    }

    record Simple(String kind, String bootstrapServers) implements KafkaCluster {}

    /** Stops the broker when JUnit closes the root store at the end of the run. */
    record ClusterResource(KafkaCluster cluster, Runnable stop) implements ExtensionContext.Store.CloseableResource, AutoCloseable {
        @Override
        public void close() {
            stop.run();
        }
    }
}
