package dev.flowline.app;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The worker's package layering, read from its sources: only the composition root ({@code app}) wires the edges
 * together, so the Kafka edge reports to telemetry through its own interface, and the scheduler knows nothing of
 * Kafka, Vert.x or Avro. A reference counts when it is an import or a qualified name in code (comments are left out).
 */
class PackageDependenciesTest {

    /** Package → packages (name prefixes) its code must not reference. */
    private static final Map<String, List<String>> FORBIDDEN = Map.of(
            "batching", List.of("dev.flowline.kafka", "dev.flowline.telemetry", "dev.flowline.app", "dev.flowline.avro",
                    "org.apache.kafka", "io.vertx"),
            "kafka", List.of("dev.flowline.telemetry", "dev.flowline.app", "dev.flowline.cli"),
            "telemetry", List.of("dev.flowline.app", "dev.flowline.cli"),
            "model", List.of("dev.flowline.batching", "dev.flowline.kafka", "dev.flowline.app"),
            "sampling", List.of("dev.flowline.batching", "dev.flowline.kafka", "dev.flowline.model", "dev.flowline.app"));

    private static final Pattern REFERENCE = Pattern.compile("\\b((?:dev\\.flowline|org\\.apache\\.kafka|io\\.vertx)(?:\\.[a-z][a-z0-9]*)+)");

    @Test
    void noPackageReachesAcrossTheLayering() throws IOException {
        Path sources = sources();
        List<String> problems = new ArrayList<>();
        for (var e : FORBIDDEN.entrySet()) {
            try (Stream<Path> files = Files.walk(sources.resolve(e.getKey()))) {
                for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                    for (String ref : references(Files.readString(f))) {
                        for (String bad : e.getValue()) {
                            if (ref.equals(bad) || ref.startsWith(bad + ".")) problems.add(sources.relativize(f) + " references " + ref);
                        }
                    }
                }
            }
        }
        assertThat(problems).isEmpty();
    }

    @Test
    void theCompositionRootLivesOutsideKafkaAndWiresBothEdges() throws IOException {
        // the measurement of issue 15: FlowlineWorker lived in kafka, which imported telemetry
        assertThat(sources().resolve("kafka/FlowlineWorker.java")).doesNotExist();
        assertThat(references(Files.readString(sources().resolve("app/FlowlineWorker.java"))))
                .anyMatch(r -> r.startsWith("dev.flowline.telemetry")).anyMatch(r -> r.startsWith("dev.flowline.kafka"));
    }

    /** Qualified names in code, with comments (and so Javadoc) removed. */
    private static List<String> references(String source) {
        String code = source.replaceAll("(?s)/\\*.*?\\*/", "").replaceAll("//[^\\n]*", "");
        List<String> refs = new ArrayList<>();
        Matcher m = REFERENCE.matcher(code);
        while (m.find()) refs.add(m.group(1));
        return refs;
    }

    private static Path sources() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.isDirectory(p.resolve("worker/src/main/java/dev/flowline"))
                && !Files.isDirectory(p.resolve("src/main/java/dev/flowline"))) {
            p = p.getParent();
        }
        if (p == null) throw new IllegalStateException("worker sources not found above " + Path.of("").toAbsolutePath());
        Path inModule = p.resolve("src/main/java/dev/flowline");
        return Files.isDirectory(inModule) ? inModule : p.resolve("worker/src/main/java/dev/flowline");
    }
}
