package dev.flowline.cli;

import dev.flowline.config.WorkerConfig;
import dev.flowline.testing.KafkaBrokerExtension;
import dev.flowline.testing.KafkaCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

@ExtendWith(KafkaBrokerExtension.class)
class WorkerMainTest {

    private static String[] run(String... args) {
        CommandLine cl = WorkerMain.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(args);
        return new String[]{String.valueOf(code), out.toString(), err.toString()};
    }

    @Test
    void theConfigCommandPrintsEveryKeyWithItsDoc() {
        String[] r = run("config");
        assertThat(r[0]).isEqualTo("0");
        for (var key : WorkerConfig.DEF.keys()) assertThat(r[1]).contains(key.name()).contains(key.doc()).contains(key.envName());
        assertThat(r[1]).contains("FLOWLINE_KAFKA_GROUP_PROTOCOL").contains("KIP-848");
        assertThat(r[1]).contains("kafka.intake").contains("FLOWLINE_KAFKA_INTAKE").contains("KIP-932");
    }

    @Test
    void aBadConfigFileFailsWithExitCode2NamingTheKey(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("bad.yaml");
        Files.writeString(f, "http:\n  prot: 80\n");
        String[] r = run("config", "--check", f.toString());
        assertThat(r[0]).isEqualTo("2");
        assertThat(r[2]).contains("http.prot").contains("unknown key").contains("http.port");
    }

    @Test
    void theExampleConfigChecksOut() {
        String[] r = run("config", "--check", "src/main/config/worker.example.yaml");
        assertThat(r[0]).isEqualTo("0");
        assertThat(r[1]).contains("OK").contains("groupProtocol=consumer");
    }

    /** The real process: SIGTERM drains and exits 0. */
    @Test
    void sigtermDrainsAndExitsZero(KafkaCluster kafka, @TempDir Path dir) throws Exception {
        String prefix = KafkaCluster.uniqueTopic("cli") + ".";
        Path cfg = dir.resolve("worker.yaml");
        Files.writeString(cfg, """
                worker: {id: cli-worker, drainTimeoutMs: 5000}
                kafka: {bootstrapServers: "%s", groupId: "%sworkers"}
                topics: {prefix: "%s", partitions: 2}
                models: {builtin: false}
                http: {port: 0}
                """.formatted(kafka.bootstrapServers(), prefix, prefix));
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path")));
        if (Runtime.version().feature() >= 23) cmd.addAll(List.of("--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"));
        cmd.addAll(List.of(WorkerMain.class.getName(), "run", "--config", cfg.toString(), "--create-topics"));
        Path log = dir.resolve("worker.log");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!Files.readString(log).contains("assigned [")) {
                assertThat(p.isAlive()).as("worker running; log:\n%s", Files.readString(log)).isTrue();
                assertThat(System.nanoTime()).as("worker assigned in time; log:\n%s", Files.readString(log)).isLessThan(deadline);
                Thread.sleep(100);
            }
            p.destroy(); // SIGTERM
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as("exit code; log:\n%s", Files.readString(log)).isZero();
            assertThat(Files.readString(log)).contains("worker drained");
        } finally {
            p.destroyForcibly();
        }
    }

    /** No broker: the worker says once that it waits for it, and a SIGTERM during that wait exits 0 without a trace. */
    @Test
    void sigtermWhileWaitingForAnUnreachableBrokerStopsCleanly(@TempDir Path dir) throws Exception {
        Path cfg = dir.resolve("worker.yaml");
        Files.writeString(cfg, """
                worker: {id: cli-nobroker, drainTimeoutMs: 2000}
                kafka: {bootstrapServers: "127.0.0.1:1"}
                models: {builtin: false}
                http: {port: 0}
                """);
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path")));
        if (Runtime.version().feature() >= 23) cmd.addAll(List.of("--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"));
        cmd.addAll(List.of(WorkerMain.class.getName(), "run", "--config", cfg.toString()));
        Path log = dir.resolve("worker.log");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!Files.readString(log).contains("waiting for the Kafka broker at 127.0.0.1:1")) {
                assertThat(p.isAlive()).as("worker running; log:\n%s", Files.readString(log)).isTrue();
                assertThat(System.nanoTime()).as("waiting message in time; log:\n%s", Files.readString(log)).isLessThan(deadline);
                Thread.sleep(100);
            }
            p.destroy(); // SIGTERM
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            String out = Files.readString(log);
            assertThat(p.exitValue()).as("exit code; log:\n%s", out).isZero();
            assertThat(out).contains("stopped before the worker finished starting").doesNotContain("Exception").doesNotContain("\tat ");
            assertThat(out.lines().filter(l -> l.contains("waiting for the Kafka broker")).count()).as("said once").isEqualTo(1);
        } finally {
            p.destroyForcibly();
        }
    }
}
