package dev.flowline.demo;

import dev.flowline.cli.CliErrors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** The demo command line's user errors: one line, the usage exit code, no stack trace (unless --verbose). */
class DemoMainTest {

    private static Object[] run(String... args) {
        CommandLine cl = DemoMain.commandLine();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(new StringWriter()));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(args);
        return new Object[]{code, err.toString()};
    }

    @Test
    void submitToAnUnreachableBrokerFailsWithinTheConnectTimeoutSayingSo() {
        Object[] r = run("submit", "--bootstrap", "127.0.0.1:1", "--connect-timeout", "2", "--model", "m");
        assertThat(r[0]).isEqualTo(CliErrors.USAGE);
        assertThat((String) r[1]).startsWith("error: cannot reach Kafka at 127.0.0.1:1 within 2 s").doesNotContain("\tat ");
        assertThat(((String) r[1]).strip().lines()).hasSize(1);
    }

    @Test
    void aJsonlLineWithAnUnwrappedUnionNamesTheLineAndShowsTheWrappedForm(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("jobs.jsonl");
        Files.writeString(f, """
                {"jobId": "a", "model": "fashion-mnist", "numSamples": 1, "sampler": {"solver": "heun", "steps": {"int": 8}}}
                {"jobId": "b", "model": "fashion-mnist", "numSamples": 1, "conditioning": {"classLabel": 3}, "sampler": {"solver": "heun"}}
                """);
        Object[] r = run("submit", "--bootstrap", "127.0.0.1:1", "--file", f.toString());
        String err = (String) r[1];
        assertThat(r[0]).isEqualTo(CliErrors.USAGE);
        assertThat(err).contains("jobs.jsonl line 2").contains("classLabel")
                .contains("{\"dev.flowline.avro.Conditioning\": {\"classLabel\": {\"int\": 3}}}").doesNotContain("\tat ");
        assertThat(err.strip().lines()).hasSize(1);
    }

    @Test
    void verboseAddsTheStackTrace(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("jobs.jsonl");
        Files.writeString(f, "{not json\n");
        Object[] r = run("submit", "--bootstrap", "127.0.0.1:1", "--file", f.toString(), "--verbose");
        assertThat(r[0]).isEqualTo(CliErrors.USAGE);
        assertThat((String) r[1]).contains("jobs.jsonl line 1").contains("\tat ");
    }
}
