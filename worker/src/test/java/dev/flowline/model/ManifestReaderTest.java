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
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Manifest parsing: the fixture's full manifest, defaults, and one error per kind of mistake. */
class ManifestReaderTest {
    @TempDir
    Path temp;

    @Test
    void readsEveryFieldOfTheFixtureManifest() {
        ModelManifest m = Fixtures.tinyManifest();
        ModelInfo i = m.info();
        assertThat(i.name()).isEqualTo("tiny");
        assertThat(i.version()).isEqualTo("1");
        assertThat(i.sampleShape()).containsExactly(1, 4, 4);
        assertThat(i.valueRange()).isEqualTo(new ModelInfo.ValueRange(-1, 1));
        assertThat(i.image()).contains(new ModelInfo.ImageLayout(1, 4, 4));
        assertThat(i.numClasses()).isEqualTo(3);
        assertThat(i.nullClass()).isEqualTo(3);
        assertThat(i.classNames()).containsExactly("zero", "one", "two");
        assertThat(i.defaultSampler()).isEqualTo(new ModelInfo.SamplerDefaults("heun", 4, 1.5));
        assertThat(i.schedule("uniform-4")).hasValueSatisfying(g -> assertThat(g).containsExactly(0, 0.25, 0.5, 0.75, 1));
        assertThat(i.batchSizeHint()).isEqualTo(8);
        assertThat(m.engine()).isEqualTo(EngineKind.ONNX_RUNTIME);
        assertThat(m.weightsFile(EngineKind.PYTORCH)).isEqualTo(Fixtures.tinyDir().resolve("model.pt"));
        assertThat(m.inputs()).isEqualTo(new ModelManifest.Inputs("x", "t", Optional.of("label")));
        assertThat(m.output()).isEqualTo("v");
        assertThat(m.labelType()).isEqualTo(LabelType.INT64);
        assertThat(m.time()).isEqualTo(TimeConvention.FLOWLINE);
        assertThat(m.evaluation()).isEmpty();
    }

    @Test
    void theDemoModelsDocumentedFormatParses() throws IOException {
        // The example from the model-runtime brief, which the demo model's manifest follows.
        Path dir = Files.createDirectories(temp.resolve("fashion-mnist"));
        Files.writeString(dir.resolve(ModelManifest.FILE_NAME), """
                {"name": "fashion-mnist", "version": "1", "description": "...",
                 "engine": "OnnxRuntime", "file": "model.onnx", "alternatives": {"PyTorch": "model.pt"},
                 "inputs": {"x": "x", "t": "t", "label": "label"}, "output": "v", "labelType": "int64",
                 "sampleShape": [1, 28, 28], "valueRange": [-1.0, 1.0],
                 "image": {"channels": 1, "height": 28, "width": 28},
                 "time": {"direction": "noise_to_data", "scale": 1.0},
                 "conditioning": {"type": "class", "numClasses": 10, "nullClass": 10,
                                  "classNames": ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"]},
                 "defaultSampler": {"solver": "heun", "steps": 8, "guidanceScale": 2.0},
                 "schedules": {"boss-8": [0.0, 0.1, 1.0]},
                 "batchSizeHint": 32,
                 "evaluation": {"classifier": "classifier.onnx", "referenceFeatures": "fashion-mnist-test-features.json"}}
                """);
        ModelManifest m = ManifestReader.read(dir.resolve(ModelManifest.FILE_NAME));
        assertThat(m.info().dim()).isEqualTo(784);
        assertThat(m.evaluation()).hasValueSatisfying(e -> assertThat(e.classifier()).contains("classifier.onnx"));
        assertThat(m.info().schedules()).containsKey("boss-8");
    }

    @Test
    void minimalUnconditionalManifestGetsTheDocumentedDefaults() throws IOException {
        Path dir = Files.createDirectories(temp.resolve("plain"));
        Files.writeString(dir.resolve(ModelManifest.FILE_NAME), """
                {"name": "plain", "version": "2", "engine": "PyTorch", "file": "m.pt", "sampleShape": [8]}
                """);
        ModelManifest m = ManifestReader.read(dir.resolve(ModelManifest.FILE_NAME));
        assertThat(m.conditional()).isFalse();
        assertThat(m.info().numClasses()).isZero();
        assertThat(m.info().supportsGuidance()).isFalse();
        assertThat(m.inputs()).isEqualTo(new ModelManifest.Inputs("x", "t", Optional.empty()));
        assertThat(m.info().defaultSampler()).isEqualTo(ModelInfo.SamplerDefaults.DEFAULT);
        assertThat(m.info().batchSizeHint()).isEqualTo(ModelInfo.DEFAULT_BATCH_SIZE_HINT);
        assertThat(m.time()).isEqualTo(TimeConvention.FLOWLINE);
    }

    static Stream<Arguments> mistakes() {
        return Stream.of(
                mistake("unknown top-level key", r -> r.put("guidance", 2.0), "guidance"),
                mistake("unknown nested key", r -> ((ObjectNode) r.get("time")).put("offset", 0.1), "time.offset"),
                mistake("missing required field", r -> r.remove("sampleShape"), "sampleShape"),
                mistake("non-positive axis", r -> r.putArray("sampleShape").add(1).add(0).add(4), "sampleShape[1]"),
                mistake("unknown engine", r -> r.put("engine", "TensorFlow"), "engine"),
                mistake("unknown alternative engine", r -> ((ObjectNode) r.get("alternatives")).put("MXNet", "m.params"), "alternatives.MXNet"),
                mistake("weights outside the directory", r -> r.put("file", "../elsewhere/model.onnx"), "file"),
                mistake("bad label type", r -> r.put("labelType", "uint8"), "labelType"),
                mistake("bad time direction", r -> ((ObjectNode) r.get("time")).put("direction", "backwards"), "time.direction"),
                mistake("bad conditioning type", r -> ((ObjectNode) r.get("conditioning")).put("type", "text"), "conditioning.type"),
                mistake("label input missing", r -> ((ObjectNode) r.get("inputs")).remove("label"), "inputs.label"),
                mistake("null class colliding with a class", r -> ((ObjectNode) r.get("conditioning")).put("nullClass", 1), "nullClass"),
                mistake("schedule not ending at 1", r -> ((ObjectNode) r.get("schedules")).putArray("short").add(0.0).add(0.5), "schedules.short"),
                mistake("steps not an integer", r -> ((ObjectNode) r.get("defaultSampler")).put("steps", 2.5), "defaultSampler.steps"),
                mistake("image not matching shape", r -> ((ObjectNode) r.get("image")).put("channels", 3), "image"),
                mistake("valueRange reversed", r -> r.putArray("valueRange").add(1.0).add(-1.0), "valueRange"),
                mistake("bespoke solver without t", r -> bespoke(r).remove("t"), "solvers.bespoke-midpoint-2.t"),
                mistake("bespoke t of the wrong length", r -> bespoke(r).putArray("t").add(0.0).add(0.5), "solvers.bespoke-midpoint-2.t"),
                mistake("bespoke t not monotone", r -> bespoke(r).putArray("t").add(0.0).add(0.5).add(0.4).add(0.9),
                        "solvers.bespoke-midpoint-2.t"),
                mistake("bespoke scale not positive", r -> bespoke(r).putArray("s").add(1.0).add(0.0).add(1.0).add(1.0),
                        "solvers.bespoke-midpoint-2.s[1]"),
                mistake("bespoke time rate not positive", r -> bespoke(r).putArray("dt").add(1.0).add(1.0).add(-0.5).add(1.0),
                        "solvers.bespoke-midpoint-2.dt[2]"),
                mistake("bespoke final scale zero", r -> bespoke(r).put("finalScale", 0.0), "solvers.bespoke-midpoint-2.finalScale"),
                mistake("bespoke adaptive base", r -> bespoke(r).put("base", "dopri5"), "solvers.bespoke-midpoint-2.base"),
                mistake("bespoke unknown type", r -> bespoke(r).put("type", "learned"), "solvers.bespoke-midpoint-2.type"),
                mistake("bespoke unknown key", r -> bespoke(r).put("order", 2), "solvers.bespoke-midpoint-2.order"));
    }

    /** Adds a valid two-step bespoke midpoint solver to the manifest and returns it for a test to break. */
    private static ObjectNode bespoke(ObjectNode root) {
        ObjectNode b = root.putObject("solvers").putObject("bespoke-midpoint-2");
        b.put("type", "bespoke").put("base", "midpoint").put("steps", 2).put("finalScale", 1.0);
        b.putArray("t").add(0.0).add(0.25).add(0.5).add(0.75);
        b.putArray("dt").add(1.0).add(1.0).add(1.0).add(1.0);
        b.putArray("s").add(1.0).add(1.0).add(1.0).add(1.0);
        b.putArray("ds").add(0.0).add(0.0).add(0.0).add(0.0);
        return b;
    }

    @Test
    void bespokeSolversAndAFlowMapInputAreRead() throws IOException {
        ObjectNode root = (ObjectNode) Fixtures.JSON.readTree(Fixtures.tinyDir().resolve(ModelManifest.FILE_NAME).toFile());
        bespoke(root).putArray("s").add(1.0).add(1.1).add(1.2).add(1.3);
        ((ObjectNode) root.get("inputs")).put("r", "r");
        Path dir = Files.createDirectories(temp.resolve("bespoke"));
        Path file = dir.resolve(ModelManifest.FILE_NAME);
        Fixtures.JSON.writeValue(file.toFile(), root);
        ModelManifest m = ManifestReader.read(file);
        assertThat(m.info().bespokeSolvers()).hasSize(1);
        var b = m.info().bespokeSolvers().getFirst();
        assertThat(b.name()).isEqualTo("bespoke-midpoint-2");
        assertThat(b.base()).isSameAs(dev.flowline.sampling.ButcherTableau.MIDPOINT);
        assertThat(b.s()).containsExactly(1.0, 1.1, 1.2, 1.3);
        assertThat(b.evaluations()).isEqualTo(4);
        assertThat(m.info().flowMap()).isTrue();
        assertThat(m.inputs().r()).contains("r");
        assertThat(m.info().samplerCatalog().bespokeSolvers()).containsExactly(b);
    }

    private static Arguments mistake(String what, Consumer<ObjectNode> edit, String field) {
        return Arguments.of(what, edit, field);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("mistakes")
    void eachMistakeIsAnErrorNamingModelFileAndField(String what, Consumer<ObjectNode> edit, String field) throws IOException {
        Path dir = Files.createDirectories(temp.resolve("broken"));
        ObjectNode root = (ObjectNode) Fixtures.JSON.readTree(Fixtures.tinyDir().resolve(ModelManifest.FILE_NAME).toFile());
        edit.accept(root);
        Path file = dir.resolve(ModelManifest.FILE_NAME);
        Fixtures.JSON.writeValue(file.toFile(), root);
        assertThatThrownBy(() -> ManifestReader.read(file))
                .isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("model 'tiny'")
                .hasMessageContaining(file.toString())
                .hasMessageContaining(field);
    }

    @Test
    void invalidJsonAndMissingFileNameTheDirectoryWhenTheNameIsUnknown() throws IOException {
        Path dir = Files.createDirectories(temp.resolve("garbled"));
        Files.writeString(dir.resolve(ModelManifest.FILE_NAME), "{\"name\": \"x\",");
        assertThatThrownBy(() -> ManifestReader.read(dir.resolve(ModelManifest.FILE_NAME)))
                .isInstanceOf(ModelLoadException.class).hasMessageContaining("'garbled'").hasMessageContaining("not valid JSON");
        assertThatThrownBy(() -> ManifestReader.read(temp.resolve("nothing").resolve(ModelManifest.FILE_NAME)))
                .isInstanceOf(ModelLoadException.class).hasMessageContaining("not found");
    }

    @Test
    void duplicateKeysAreRejected() throws IOException {
        Path dir = Files.createDirectories(temp.resolve("dup"));
        Files.writeString(dir.resolve(ModelManifest.FILE_NAME),
                "{\"name\": \"dup\", \"version\": \"1\", \"engine\": \"PyTorch\", \"file\": \"a.pt\", \"file\": \"b.pt\", \"sampleShape\": [2]}");
        assertThatThrownBy(() -> ManifestReader.read(dir.resolve(ModelManifest.FILE_NAME)))
                .isInstanceOf(ModelLoadException.class).hasMessageContaining("file");
    }

    @Test
    void unconditionalModelWithoutLabelInputIsValid() throws IOException {
        Path dir = Files.createDirectories(temp.resolve("u"));
        ObjectNode root = (ObjectNode) Fixtures.JSON.readTree(Fixtures.tinyDir().resolve(ModelManifest.FILE_NAME).toFile());
        root.putObject("conditioning").put("type", "none");
        ((ObjectNode) root.get("inputs")).remove("label");
        Fixtures.JSON.writeValue(dir.resolve(ModelManifest.FILE_NAME).toFile(), root);
        ModelManifest m = ManifestReader.read(dir.resolve(ModelManifest.FILE_NAME));
        assertThat(m.conditional()).isFalse();
        assertThat(m.info().classNames()).isEqualTo(List.of());
    }

    /** The tiny fixture (sample shape 1x4x4) as a latent model: decoder 1x4x4 -> 1x8x8, encoder back; files present. */
    private Path latentManifest(Consumer<ObjectNode> edit) throws IOException {
        Path dir = Files.createDirectories(temp.resolve("latent"));
        Files.write(dir.resolve("decoder.onnx"), new byte[] {0});
        Files.write(dir.resolve("encoder.onnx"), new byte[] {0});
        ObjectNode root = (ObjectNode) Fixtures.JSON.readTree(Fixtures.tinyDir().resolve(ModelManifest.FILE_NAME).toFile());
        for (String[] s : new String[][] {{"decoder", "z", "image"}, {"encoder", "image", "z"}}) {
            ObjectNode st = root.putObject(s[0]);
            st.put("engine", "OnnxRuntime").put("file", s[0] + ".onnx").put("input", s[1]).put("output", s[2]);
            boolean dec = s[0].equals("decoder");
            st.putArray(dec ? "inputShape" : "outputShape").add(1).add(4).add(4);
            st.putArray(dec ? "outputShape" : "inputShape").add(1).add(8).add(8);
        }
        edit.accept(root);
        Path file = dir.resolve(ModelManifest.FILE_NAME);
        Fixtures.JSON.writeValue(file.toFile(), root);
        return file;
    }

    @Test
    void decoderAndEncoderStagesAreRead() throws IOException {
        ModelManifest m = ManifestReader.read(latentManifest(r -> { }));
        PipelineStage d = m.decoder().orElseThrow();
        assertThat(d.engine()).isEqualTo(EngineKind.ONNX_RUNTIME);
        assertThat(d.input()).isEqualTo("z");
        assertThat(d.inputShape()).containsExactly(1, 4, 4);
        assertThat(d.outputShape()).containsExactly(1, 8, 8);
        assertThat(d.valueRange()).isEqualTo(ModelInfo.ValueRange.SYMMETRIC_UNIT);
        assertThat(m.stageFile(d, EngineKind.ONNX_RUNTIME)).isEqualTo(m.directory().resolve("decoder.onnx"));
        assertThat(m.encoder().orElseThrow().outputShape()).containsExactly(1, 4, 4);
        assertThat(Fixtures.tinyManifest().decoder()).isEmpty();
    }

    static Stream<Arguments> pipelineMistakes() {
        return Stream.of(
                mistake("missing decoder file", r -> ((ObjectNode) r.get("decoder")).put("file", "gone.onnx"), "decoder.file"),
                mistake("missing decoder alternative file", r -> ((ObjectNode) r.get("decoder")).putObject("alternatives").put("PyTorch", "gone.pt"),
                        "decoder.alternatives.PyTorch"),
                mistake("decoder input not the sample shape", r -> ((ObjectNode) r.get("decoder")).putArray("inputShape").add(4).add(2).add(2),
                        "decoder.inputShape"),
                mistake("encoder output not the sample shape", r -> ((ObjectNode) r.get("encoder")).putArray("outputShape").add(2).add(4).add(4),
                        "encoder.outputShape"),
                mistake("encoder input not the decoder output", r -> ((ObjectNode) r.get("encoder")).putArray("inputShape").add(1).add(28).add(28),
                        "encoder.inputShape"),
                mistake("encoder without decoder", r -> r.remove("decoder"), "encoder"),
                mistake("decoder without input name", r -> ((ObjectNode) r.get("decoder")).remove("input"), "decoder.input"),
                mistake("unknown decoder key", r -> ((ObjectNode) r.get("decoder")).put("scale", 2.0), "decoder.scale"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("pipelineMistakes")
    void eachPipelineMistakeNamesItsField(String what, Consumer<ObjectNode> edit, String field) throws IOException {
        Path file = latentManifest(edit);
        assertThatThrownBy(() -> ManifestReader.read(file))
                .isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("model 'tiny'")
                .hasMessageContaining("field '" + field + "'");
    }

    @Test
    void theReadmeManifestReferenceDocumentsEveryTopLevelKey() throws IOException {
        String readme = Files.readString(java.nio.file.Path.of("../README.md"));
        int from = readme.indexOf("### Manifest reference");
        assertThat(from).as("README has a manifest reference").isPositive();
        String table = readme.substring(from, readme.indexOf("\n\n", readme.indexOf("| field |", from)));
        for (String key : ManifestReader.TOP_LEVEL) assertThat(table).as("README documents manifest key " + key).contains("| `" + key + "` |");
        assertThat(table).contains("`r`").contains("bespoke");
    }
}
