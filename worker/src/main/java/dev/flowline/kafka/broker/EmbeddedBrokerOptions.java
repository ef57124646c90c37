package dev.flowline.kafka.broker;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Options of the {@link EmbeddedKafkaBroker}. Defaults: free loopback ports, a temporary data directory deleted
 * on close, a PLAINTEXT listener named {@code PLAINTEXT}, 4 partitions per auto-created topic, topic
 * auto-creation off (Flowline creates its topics explicitly and waits for leaders).
 */
public final class EmbeddedBrokerOptions {
    public static final int DEFAULT_PARTITIONS = 4;

    private int port;
    private int controllerPort;
    private Path dataDir;
    private int defaultPartitions = DEFAULT_PARTITIONS;
    private boolean autoCreateTopics;
    private String listenerName = "PLAINTEXT";
    private String securityProtocol = "PLAINTEXT";
    private final Map<String, String> extraProperties = new LinkedHashMap<>();
    private final List<String> scramUsers = new ArrayList<>();

    public int port() { return port; }
    /** 0 picks a free port. */
    public EmbeddedBrokerOptions setPort(int port) { this.port = port; return this; }

    public int controllerPort() { return controllerPort; }
    public EmbeddedBrokerOptions setControllerPort(int controllerPort) { this.controllerPort = controllerPort; return this; }

    public Path dataDir() { return dataDir; }
    /** A persistent data directory (kept on close); null means a temporary one, deleted on close. */
    public EmbeddedBrokerOptions setDataDir(Path dataDir) { this.dataDir = dataDir; return this; }

    public int defaultPartitions() { return defaultPartitions; }
    public EmbeddedBrokerOptions setDefaultPartitions(int n) {
        if (n < 1) throw new IllegalArgumentException("defaultPartitions must be >= 1, got " + n);
        this.defaultPartitions = n;
        return this;
    }

    public boolean autoCreateTopics() { return autoCreateTopics; }
    public EmbeddedBrokerOptions setAutoCreateTopics(boolean autoCreateTopics) { this.autoCreateTopics = autoCreateTopics; return this; }

    public String listenerName() { return listenerName; }
    public String securityProtocol() { return securityProtocol; }
    /** Client listener name and protocol, e.g. ("SASL_PLAINTEXT", "SASL_PLAINTEXT") for a SASL test broker. */
    public EmbeddedBrokerOptions setListener(String name, String securityProtocol) {
        this.listenerName = name;
        this.securityProtocol = securityProtocol;
        return this;
    }

    public Map<String, String> extraProperties() { return Map.copyOf(extraProperties); }
    /** Any broker property (e.g. authorizer, SASL mechanisms); applied last, so it overrides the defaults. */
    public EmbeddedBrokerOptions putExtraProperty(String key, String value) { extraProperties.put(key, value); return this; }

    /** SCRAM credentials written at format time ({@code kafka-storage format --add-scram}), e.g. the inter-broker user. */
    public List<String> scramUsers() { return List.copyOf(scramUsers); }
    /** Adds a SCRAM user at format time, e.g. ("SCRAM-SHA-512", "admin", "admin-secret"). Names and passwords must not hold ',' ']' or '"'. */
    public EmbeddedBrokerOptions addScramUser(String mechanism, String name, String password) {
        scramUsers.add(mechanism + "=[name=" + name + ",password=" + password + "]");
        return this;
    }
}
