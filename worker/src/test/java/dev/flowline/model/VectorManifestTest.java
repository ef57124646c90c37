package dev.flowline.model;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The manifest of a vector-conditioned model (fixture tiny-vector): what is read, and each mistake naming its field. */
class VectorManifestTest {
    @TempDir
    Path temp;

    private Path manifest(Consumer<ObjectNode> edit) throws IOException {
        Path source = Fixtures.dir("tiny-vector").resolve(ModelManifest.FILE_NAME);
        ObjectNode root = (ObjectNode) Fixtures.JSON.readTree(source.toFile());
        edit.accept(root);
        Path dir = Files.createDirectories(temp.resolve("m"));
        Files.copy(source.resolveSibling("model.onnx"), dir.resolve("model.onnx"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Path file = dir.resolve(ModelManifest.FILE_NAME);
        Fixtures.JSON.writeValue(file.toFile(), root);
        return file;
    }

    @Test
    void theVectorItsNullVectorAndInputAreRead() throws IOException {
        ModelManifest m = ManifestReader.read(manifest(r -> {}));
        VectorConditioning v = m.vector().orElseThrow();
        assertThat(v.dim()).isEqualTo(3);
        assertThat(v.input()).isEqualTo("vector");
        assertThat(v.nullVector()).containsExactly(0.1f, -0.2f, 0.05f);
        assertThat(m.info().numClasses()).isZero();
        assertThat(m.inputs().label()).isEmpty();
        // without a null vector the model is still valid: it just takes no guidance and needs a vector in every job
        assertThat(ManifestReader.read(manifest(r -> ((ObjectNode) r.get("conditioning")).remove("nullVector")))
                .vector().orElseThrow().unconditional()).isEmpty();
    }

    static Stream<Arguments> mistakes() {
        return Stream.of(
                Arguments.of("no dim", (Consumer<ObjectNode>) r -> ((ObjectNode) r.get("conditioning")).remove("dim"), "conditioning.dim"),
                Arguments.of("dim 0", (Consumer<ObjectNode>) r -> ((ObjectNode) r.get("conditioning")).put("dim", 0), "conditioning.dim"),
                Arguments.of("null vector of the wrong length", (Consumer<ObjectNode>) r -> ((ObjectNode) r.get("conditioning"))
                        .putArray("nullVector").add(0.0).add(1.0), "conditioning.nullVector"),
                Arguments.of("vector input missing", (Consumer<ObjectNode>) r -> ((ObjectNode) r.get("inputs")).remove("vector"), "inputs.vector"),
                Arguments.of("classes on a vector model", (Consumer<ObjectNode>) r -> ((ObjectNode) r.get("conditioning"))
                        .put("numClasses", 3), "conditioning.numClasses"),
                Arguments.of("dim on a class model", (Consumer<ObjectNode>) r -> r.putObject("conditioning").put("type", "class")
                        .put("numClasses", 2).put("dim", 3), "conditioning.dim"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("mistakes")
    void eachMistakeNamesItsField(String what, Consumer<ObjectNode> edit, String field) throws IOException {
        Path file = manifest(edit);
        assertThatThrownBy(() -> ManifestReader.read(file)).isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("model 'tiny-vector'").hasMessageContaining(field);
    }
}
