package dev.flowline.schema;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Avro 1.12.2 refuses the generated classes unless their package is trusted. Each case runs
 * {@link TrustProbe} in a fresh JVM with the test class path and no Avro system properties.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AvroTrustTest {

    /** The problem is real: without the hook and without the codec, Avro refuses to decode and even to build. */
    @Test
    void withoutAnyFixAvroRefusesTheGeneratedClasses() throws Exception {
        String bytes = HexFormat.of().formatHex(MessageCodec.standard().encode(Samples.fullRequest()));

        assertThat(probe("avro-decode-without-hook", bytes)).contains("SecurityException: Forbidden dev.flowline.avro.");
        assertThat(probe("builder-without-hook")).contains("SecurityException: Forbidden dev.flowline.avro.OutputFormat");
    }

    @Test
    void theCodecDecodesInAFreshJvmOnItsOwn() throws Exception {
        String bytes = HexFormat.of().formatHex(MessageCodec.standard().encode(Samples.fullRequest()));

        assertThat(probe("codec-decode-without-hook", bytes)).isEqualTo("OK job-42");
    }

    @Test
    void theServiceHookLetsBuildersWorkBeforeAnyCodecIsTouched() throws Exception {
        assertThat(probe("builder")).isEqualTo("OK PNG");
    }

    private static String probe(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"),
                "-Dslf4j.internal.verbosity=ERROR",
                TrustProbe.class.getName()));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8); // until it exits
        assertThat(process.waitFor(10, TimeUnit.SECONDS)).as("probe exited; output: %s", output).isTrue();
        return output.lines().filter(line -> line.startsWith("OK") || line.startsWith("FAILED"))
                .findFirst().orElse("no result line in: " + output);
    }
}
