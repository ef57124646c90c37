package dev.flowline.schema;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.specific.SpecificData;
import org.junit.jupiter.api.Test;

/** The released writer schemas are complete, unchanged, and in step with src/main/avro. */
class ReleasedSchemasTest {

    private static final Path FOLDER = Path.of("src/main/resources/dev/flowline/schema/released");

    /**
     * Fingerprints of the released files. A released file must never change: if one of these fails, restore
     * the file and add the new schema as the next version instead.
     */
    private static final Map<String, String> V1_FINGERPRINTS = Map.of(
            "GenerationRequest", "9a158f46746d7ea5",
            "GenerationResult", "b1d526b7927522ff",
            "TelemetryEvent", "2f97bf1980126dc4",
            "ProgressEvent", "19ef98eaa51da5ea",
            "DeadLetter", "03d245a8d74d0d40",
            "ControlCommand", "b49da924ef2b5d17");

    private final Map<String, List<Schema>> released = ReleasedSchemas.load();

    @Test
    void releasedFilesKeepTheirFingerprints() {
        assertThat(released.keySet()).containsExactlyInAnyOrderElementsOf(V1_FINGERPRINTS.keySet());
        V1_FINGERPRINTS.forEach((name, fingerprint) -> assertThat(hex(released.get(name).get(0))).as(name).isEqualTo(fingerprint));
    }

    /** Fails when a schema in src/main/avro changed without a new released version beside the old ones. */
    @Test
    void theNewestReleasedVersionIsTheCurrentSchema() {
        for (Class<?> type : ReleasedSchemas.MESSAGE_TYPES) {
            List<Schema> versions = released.get(type.getSimpleName());
            Schema current = SpecificData.getForClass(type).getSchema(type);

            assertThat(SchemaNormalization.toParsingForm(versions.get(versions.size() - 1)))
                    .as("%s changed: add released/%s/v%d.avsc", type.getSimpleName(), type.getSimpleName(), versions.size() + 1)
                    .isEqualTo(SchemaNormalization.toParsingForm(current));
        }
    }

    /** Versions are probed v1, v2, ... so a gap would silently hide every file after it. */
    @Test
    void everyFileInTheFolderIsLoaded() throws IOException {
        Set<String> files;
        try (Stream<Path> walk = Files.walk(FOLDER)) {
            files = walk.filter(p -> p.toString().endsWith(".avsc"))
                    .map(p -> FOLDER.relativize(p).toString().replace('\\', '/'))
                    .collect(Collectors.toCollection(TreeSet::new));
        }
        Set<String> loaded = new TreeSet<>();
        released.forEach((name, versions) -> {
            for (int v = 1; v <= versions.size(); v++) {
                loaded.add(name + "/v" + v + ".avsc");
            }
        });

        assertThat(loaded).isEqualTo(files);
    }

    @Test
    void releasedFilesAreLanguageNeutralAndTheFolderSaysNeverToEditThem() throws IOException {
        try (Stream<Path> walk = Files.walk(FOLDER)) {
            for (Path file : walk.filter(p -> p.toString().endsWith(".avsc")).toList()) {
                assertThat(Files.readString(file)).as(file.toString()).doesNotContain("avro.java.string");
            }
        }
        assertThat(Files.readString(FOLDER.resolve("README.md"))).contains("Never edit a released file");
    }

    @Test
    void theStandardCodecKnowsEveryReleasedFingerprint() {
        released.values().stream().flatMap(List::stream).forEach(schema ->
                assertThat(MessageCodec.standard().schemaStore().findByFingerprint(SchemaNormalization.parsingFingerprint64(schema)))
                        .as(schema.getFullName()).isNotNull());
    }

    private static String hex(Schema schema) {
        return String.format("%016x", SchemaNormalization.parsingFingerprint64(schema));
    }
}
