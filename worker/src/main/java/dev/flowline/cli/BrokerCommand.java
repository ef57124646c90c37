package dev.flowline.cli;

import dev.flowline.config.WorkerConfig;
import dev.flowline.kafka.WorkerTopics;
import dev.flowline.kafka.broker.EmbeddedBrokerOptions;
import dev.flowline.kafka.broker.EmbeddedKafkaBroker;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * {@code flowline-worker broker}: a standalone single-node development broker (KRaft, Kafka's own server classes,
 * 127.0.0.1 only) that outlives any one worker; its data directory survives restarts. Not for production.
 */
@Command(name = "broker", mixinStandardHelpOptions = true,
        description = "Runs a development Kafka broker (single node, KRaft, 127.0.0.1 only) until SIGTERM or Ctrl-C. "
                + "Its data is kept in --data-dir, so jobs, results and committed offsets survive a restart. Not for production.")
final class BrokerCommand implements Callable<Integer> {
    @Option(names = "--port", defaultValue = "9092", description = "Client port on 127.0.0.1 (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--controller-port", description = "KRaft controller port (default: --port + 1).")
    Integer controllerPort;

    @Option(names = "--data-dir", paramLabel = "DIR", defaultValue = "${sys:user.home}/.flowline/dev-broker",
            description = "Log and metadata directory, kept across restarts (default: ${DEFAULT-VALUE}).")
    Path dataDir;

    @Option(names = "--create-topics", description = "Also create Flowline's topics (default names, prefix flowline., 4 partitions).")
    boolean createTopics;

    @Override
    public Integer call() throws Exception {
        EmbeddedKafkaBroker broker = start();
        Runtime.getRuntime().addShutdownHook(new Thread(broker::close, "broker-shutdown"));
        System.out.println("Kafka broker on " + broker.bootstrapServers() + " (data in " + broker.dataDir() + "); SIGTERM or Ctrl-C stops it");
        System.out.flush();
        new CountDownLatch(1).await();
        return 0;
    }

    /** Starts the broker (and the topics); fails with a one-line user error when a port is taken. */
    EmbeddedKafkaBroker start() throws Exception {
        int controller = controllerPort != null ? controllerPort : port + 1;
        requireFree(port, "--port");
        requireFree(controller, "--controller-port");
        EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(new EmbeddedBrokerOptions().setPort(port).setControllerPort(controller)
                .setDataDir(dataDir));
        if (createTopics) {
            try {
                WorkerTopics.create(WorkerConfig.defaults(broker.bootstrapServers()));
            } catch (Exception e) {
                broker.close();
                throw e;
            }
        }
        return broker;
    }

    private static void requireFree(int port, String option) {
        try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            s.setReuseAddress(true);
        } catch (IOException e) {
            throw new CliErrors.UserError("port " + port + " on 127.0.0.1 is in use (another broker?); choose another with " + option);
        }
    }
}
