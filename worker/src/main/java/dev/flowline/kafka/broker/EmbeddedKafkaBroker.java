package dev.flowline.kafka.broker;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;

/**
 * A real single-node Kafka broker (combined KRaft broker + controller) running Kafka's own server classes
 * in this JVM, listening on 127.0.0.1 only. Used by the demo's embedded mode, by the tests when no Docker
 * engine answers, and (through {@link #main}) as a separate broker process for chaos tests.
 *
 * <p>Kafka's {@code KafkaClusterTestKit} is deliberately not used: it binds 0.0.0.0.
 */
public final class EmbeddedKafkaBroker implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EmbeddedKafkaBroker.class);

    private final KafkaRaftServer server;
    private final Path dataDir;
    private final boolean deleteOnClose;
    private final int port;
    private volatile boolean closed;

    private EmbeddedKafkaBroker(KafkaRaftServer server, Path dataDir, boolean deleteOnClose, int port) {
        this.server = server;
        this.dataDir = dataDir;
        this.deleteOnClose = deleteOnClose;
        this.port = port;
    }

    /** Starts a broker on free loopback ports in a fresh temporary directory that is deleted on close. */
    public static EmbeddedKafkaBroker start() {
        return start(new EmbeddedBrokerOptions());
    }

    public static EmbeddedKafkaBroker start(EmbeddedBrokerOptions options) {
        try {
            boolean temporary = options.dataDir() == null;
            Path dir = temporary ? Files.createTempDirectory("flowline-kafka-") : Files.createDirectories(options.dataDir());
            int port = options.port() > 0 ? options.port() : freePort();
            int controllerPort = options.controllerPort() > 0 ? options.controllerPort() : freePort();
            Properties props = serverProperties(dir, port, controllerPort, options);
            format(dir, props, options.scramUsers());
            long started = System.nanoTime();
            KafkaRaftServer server = new KafkaRaftServer(KafkaConfig.fromProps(props, false), Time.SYSTEM);
            server.startup();
            log.info("Embedded Kafka broker up on 127.0.0.1:{} in {} ms (data in {})",
                    port, (System.nanoTime() - started) / 1_000_000, dir);
            return new EmbeddedKafkaBroker(server, dir, temporary, port);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the embedded Kafka broker", e);
        }
    }

    /** The bootstrap servers string clients connect to, e.g. {@code 127.0.0.1:40123}. */
    public String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    public Path dataDir() {
        return dataDir;
    }

    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        server.shutdown();
        server.awaitShutdown();
        if (deleteOnClose) deleteRecursively(dataDir);
    }

    private static Properties serverProperties(Path dir, int port, int controllerPort, EmbeddedBrokerOptions options) {
        Properties p = new Properties();
        p.put("process.roles", "broker,controller");
        p.put("node.id", "1");
        p.put("controller.quorum.bootstrap.servers", "127.0.0.1:" + controllerPort);
        p.put("listeners", options.listenerName() + "://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort);
        p.put("advertised.listeners", options.listenerName() + "://127.0.0.1:" + port);
        p.put("controller.listener.names", "CONTROLLER");
        p.put("inter.broker.listener.name", options.listenerName());
        p.put("listener.security.protocol.map", options.listenerName() + ":" + options.securityProtocol() + ",CONTROLLER:PLAINTEXT");
        p.put("log.dirs", dir.resolve("logs").toString());
        p.put("num.partitions", String.valueOf(options.defaultPartitions()));
        // A single node: every internal topic has one replica.
        p.put("offsets.topic.replication.factor", "1");
        p.put("offsets.topic.num.partitions", "4");
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("share.coordinator.state.topic.replication.factor", "1");
        p.put("share.coordinator.state.topic.min.isr", "1");
        p.put("group.initial.rebalance.delay.ms", "0");
        // Fast KIP-848 takeover when a member leaves (default 5 s heartbeats gave ~4.4 s takeover).
        p.put("group.consumer.heartbeat.interval.ms", "500");
        p.put("group.consumer.min.heartbeat.interval.ms", "500");
        p.put("group.consumer.session.timeout.ms", "6000");
        p.put("group.consumer.min.session.timeout.ms", "6000");
        // Share groups (KIP-932): Kafka 4.3.1 enables them by itself (format finalizes share.version=1 with the default
        // metadata version; group.coordinator.rebalance.protocols needs no "share"). Faster membership for tests and
        // demos, as for consumer groups above, and a lower floor on the record lock so tests can exercise renewals.
        p.put("group.share.heartbeat.interval.ms", "500");
        p.put("group.share.min.heartbeat.interval.ms", "500");
        p.put("group.share.session.timeout.ms", "6000");
        p.put("group.share.min.session.timeout.ms", "6000");
        p.put("group.share.min.record.lock.duration.ms", "1000");
        p.put("auto.create.topics.enable", String.valueOf(options.autoCreateTopics()));
        p.put("log.flush.interval.messages", "9223372036854775807");
        p.putAll(options.extraProperties());
        return p;
    }

    private static void format(Path dir, Properties props, java.util.List<String> scramUsers) throws IOException {
        Path config = dir.resolve("server.properties");
        if (!Files.exists(config)) {
            try (var out = Files.newOutputStream(config)) {
                props.store(out, "Flowline embedded broker");
            }
        }
        String clusterId = readOrCreateClusterId(dir);
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        java.util.List<String> argList = new java.util.ArrayList<>(java.util.List.of(
                "format", "--standalone", "--ignore-formatted", "-t", clusterId, "-c", config.toString()));
        for (String scram : scramUsers) {
            argList.add("--add-scram");
            argList.add(scram);
        }
        String[] args = argList.toArray(String[]::new);
        // StorageTool.main() calls System.exit: execute() returns the code instead.
        int code = StorageTool.execute(args, new PrintStream(buf, true, StandardCharsets.UTF_8));
        if (code != 0) {
            throw new IllegalStateException("formatting Kafka storage in " + dir + " failed (" + code + "): " + buf.toString(StandardCharsets.UTF_8));
        }
    }

    private static String readOrCreateClusterId(Path dir) throws IOException {
        Path file = dir.resolve("cluster.id");
        if (Files.exists(file)) return Files.readString(file).trim();
        String id = Uuid.randomUuid().toString();
        Files.writeString(file, id);
        return id;
    }

    /** A free TCP port on the loopback interface (released before return; the broker binds it right after). */
    public static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free loopback port", e);
        }
    }

    private static void deleteRecursively(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            log.warn("could not delete {}: {}", dir, e.toString());
        }
    }

    /**
     * Runs a broker as its own process until SIGTERM: {@code EmbeddedKafkaBroker --port P --dir D}.
     * Prints {@code READY <bootstrap>} on stdout once it accepts connections. Data survives restarts on the same dir.
     */
    public static void main(String[] args) throws InterruptedException {
        EmbeddedBrokerOptions options = new EmbeddedBrokerOptions();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--port" -> options.setPort(Integer.parseInt(args[++i]));
                case "--controller-port" -> options.setControllerPort(Integer.parseInt(args[++i]));
                case "--dir" -> options.setDataDir(Path.of(args[++i]));
                case "--partitions" -> options.setDefaultPartitions(Integer.parseInt(args[++i]));
                default -> {
                    if (args[i].startsWith("--property=")) {
                        String kv = args[i].substring("--property=".length());
                        int eq = kv.indexOf('=');
                        if (eq < 1) throw new IllegalArgumentException("--property needs key=value, got " + kv);
                        options.putExtraProperty(kv.substring(0, eq), kv.substring(eq + 1));
                    } else {
                        throw new IllegalArgumentException("unknown argument " + args[i]
                                + " (use --port N --controller-port N --dir PATH --partitions N --property=key=value)");
                    }
                }
            }
        }
        EmbeddedKafkaBroker broker = start(options);
        Runtime.getRuntime().addShutdownHook(new Thread(broker::close, "broker-shutdown"));
        System.out.println("READY " + broker.bootstrapServers());
        System.out.flush();
        Thread.currentThread().join();
    }

    @Override
    public String toString() {
        return "EmbeddedKafkaBroker[" + bootstrapServers() + "]";
    }

}
