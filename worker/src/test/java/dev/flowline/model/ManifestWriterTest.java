package dev.flowline.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ManifestWriterTest {
    @TempDir
    Path temp;

    @Test
    void addingAScheduleKeepsEveryOtherFieldAndItsOrder() throws Exception {
        Path dir = Fixtures.copy("tiny", temp, "tiny", root -> {});
        Path file = dir.resolve(ModelManifest.FILE_NAME);
        JsonNode before = Fixtures.JSON.readTree(file.toFile());

        ModelManifest after = ManifestWriter.putSchedule(file, "boss-3", new double[] {0.0, 0.2, 1.0});

        assertThat(after.info().schedule("boss-3")).hasValueSatisfying(g -> assertThat(g).containsExactly(0.0, 0.2, 1.0));
        assertThat(after.info().schedule("uniform-4")).isPresent();
        ObjectNode written = (ObjectNode) Fixtures.JSON.readTree(file.toFile());
        assertThat(Fixtures.JSON.writeValueAsString(written.get("schedules")))
                .isEqualTo("{\"uniform-4\":[0.0,0.25,0.5,0.75,1.0],\"boss-3\":[0.0,0.2,1.0]}");
        written.remove("schedules");
        ((ObjectNode) before).remove("schedules");
        assertThat(written).isEqualTo(before);
        assertThat(written.fieldNames()).toIterable().containsExactlyElementsOf(() -> before.fieldNames());
    }

    @Test
    void replacingAScheduleOverwritesIt() {
        Path file = Fixtures.copy("tiny", temp, "tiny", root -> {}).resolve(ModelManifest.FILE_NAME);
        ManifestWriter.putSchedule(file, "uniform-4", new double[] {0.0, 0.5, 1.0});
        assertThat(ManifestReader.read(file).info().schedule("uniform-4"))
                .hasValueSatisfying(g -> assertThat(g).containsExactly(0.0, 0.5, 1.0));
    }

    @Test
    void anInvalidGridNeverReachesTheFile() throws Exception {
        Path file = Fixtures.copy("tiny", temp, "tiny", root -> root.remove("schedules")).resolve(ModelManifest.FILE_NAME);
        String before = Files.readString(file);
        assertThatThrownBy(() -> ManifestWriter.putSchedule(file, "bad", new double[] {0.0, 0.7, 0.3, 1.0}))
                .isInstanceOf(ModelLoadException.class).hasMessageContaining("schedules.bad").hasMessageContaining(file.toString());
        assertThat(Files.readString(file)).isEqualTo(before);
        try (var files = Files.list(file.getParent())) {
            assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".tmp"));
        }
    }
}
