package dev.flowline.demo;

import dev.flowline.config.TopicOptions;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;

/** Where the cluster is and how to reach it: shared by every command that talks to Kafka. */
public final class ClusterOptions {
    @Option(names = "--bootstrap", paramLabel = "HOST:PORT",
            description = "Kafka bootstrap servers. Without it, commands that can (load) start an embedded broker and worker in-process.")
    String bootstrap;

    @Option(names = "--client-config", paramLabel = "FILE",
            description = "Kafka client properties file (e.g. security.protocol, sasl.*, ssl.*), applied to every client.")
    Path clientConfig;

    @Option(names = {"-X", "--property"}, paramLabel = "KEY=VALUE",
            description = "A Kafka client property, e.g. -X security.protocol=SASL_SSL (repeatable; overrides --client-config).")
    Map<String, String> properties = new HashMap<>();

    @Option(names = "--connect-timeout", paramLabel = "SECONDS", defaultValue = "15",
            description = "Give up with \"cannot reach Kafka at ...\" when no broker answers within this many seconds (default: ${DEFAULT-VALUE}).")
    int connectTimeoutSeconds = 15;

    @Option(names = "--topic-prefix", paramLabel = "PREFIX", defaultValue = TopicOptions.DEFAULT_PREFIX,
            description = "Prefix of Flowline's topic names (default: ${DEFAULT-VALUE}).")
    String topicPrefix;

    public boolean hasBootstrap() {
        return bootstrap != null && !bootstrap.isBlank();
    }

    public String bootstrap() {
        return bootstrap;
    }

    public TopicOptions topics() {
        return TopicOptions.withPrefix(topicPrefix);
    }

    /** Client properties: the file, then -X overrides, then the bootstrap servers. */
    public Map<String, Object> clientProperties(String bootstrapServers) {
        Map<String, Object> p = new HashMap<>();
        if (clientConfig != null) {
            Properties file = new Properties();
            try (Reader r = Files.newBufferedReader(clientConfig)) {
                file.load(r);
            } catch (IOException e) {
                throw new IllegalArgumentException("--client-config " + clientConfig + ": " + e.getMessage(), e);
            }
            file.forEach((k, v) -> p.put((String) k, v));
        }
        p.putAll(properties);
        p.put("bootstrap.servers", bootstrapServers);
        return p;
    }

    /**
     * Fails with a one-line {@link dev.flowline.cli.CliErrors.UserError} when no broker at {@code bootstrapServers}
     * answers within {@code --connect-timeout}; Kafka's own clients would retry (and log) forever.
     */
    public void requireReachable(String bootstrapServers) {
        FlowlineClient.requireReachable(clientProperties(bootstrapServers), java.time.Duration.ofSeconds(Math.max(1, connectTimeoutSeconds)));
    }

    /** Used by tests and by the embedded stack. */
    public static ClusterOptions of(String bootstrap, String topicPrefix) {
        ClusterOptions o = new ClusterOptions();
        o.bootstrap = bootstrap;
        o.topicPrefix = topicPrefix;
        return o;
    }
}
