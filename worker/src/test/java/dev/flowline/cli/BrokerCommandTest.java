package dev.flowline.cli;

import dev.flowline.kafka.broker.EmbeddedKafkaBroker;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code flowline-worker broker}: a development broker whose topics survive a restart on the same data directory. */
class BrokerCommandTest {

    @Test
    void theBrokerCreatesTheTopicsAndKeepsThemAcrossARestart(@TempDir Path dir) throws Exception {
        BrokerCommand cmd = new BrokerCommand();
        cmd.port = EmbeddedKafkaBroker.freePort();
        cmd.controllerPort = EmbeddedKafkaBroker.freePort();
        cmd.dataDir = dir.resolve("data");
        cmd.createTopics = true;
        try (EmbeddedKafkaBroker broker = cmd.start()) {
            assertThat(topics(broker)).contains("flowline.jobs", "flowline.results", "flowline.dead-letter");
        }
        cmd.createTopics = false;
        try (EmbeddedKafkaBroker broker = cmd.start()) {
            assertThat(broker.bootstrapServers()).isEqualTo("127.0.0.1:" + cmd.port);
            assertThat(topics(broker)).as("topics after a restart on the same --data-dir").contains("flowline.jobs", "flowline.control");
        }
    }

    @Test
    void aPortInUseIsAOneLineUserError(@TempDir Path dir) throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CommandLine cl = WorkerMain.commandLine();
            StringWriter err = new StringWriter();
            cl.setErr(new PrintWriter(err));
            int code = cl.execute("broker", "--port", String.valueOf(taken.getLocalPort()), "--data-dir", dir.toString());
            assertThat(code).isEqualTo(CliErrors.USAGE);
            assertThat(err.toString()).contains("port " + taken.getLocalPort()).contains("in use").doesNotContain("\tat ");
        }
    }

    private static Set<String> topics(EmbeddedKafkaBroker broker) throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
            return admin.listTopics().names().get();
        }
    }
}
