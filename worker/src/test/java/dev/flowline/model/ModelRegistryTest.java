package dev.flowline.model;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static dev.flowline.model.Fixtures.ONE_THREAD_CPU;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The registry over real fixture directories and real engines; error cases each name the model and the file. */
class ModelRegistryTest {
    @TempDir
    Path models;
    @TempDir
    Path cache;

    private ModelRegistryOptions options(Path... dirs) {
        return new ModelRegistryOptions(List.of(dirs), false, ONE_THREAD_CPU, Map.of(), cache);
    }

    @Test
    void aLatentModelsDecoderLoadsOnceAPixelModelHasNoneAndAnUnknownNameIsAnError() {
        ModelRegistry registry = new ModelRegistry(options(Fixtures.tinyDir(), Fixtures.dir("tiny-latent")));
        LatentDecoder d;
        try (registry) {
            assertThat(registry.decoder("tiny")).isEmpty();
            assertThat(registry.decoderStage("tiny")).isEmpty();
            d = registry.decoder("tiny-latent").orElseThrow();
            assertThat(registry.decoder("tiny-latent").orElseThrow()).isSameAs(d);
            assertThat(d.inputDim()).isEqualTo(registry.info("tiny-latent").dim());
            assertThat(d.outputDim()).isEqualTo(64);
            assertThat(registry.decoderStage("tiny-latent").orElseThrow().outputShape()).containsExactly(1, 8, 8);
            assertThatThrownBy(() -> registry.decoder("no-such-model")).isInstanceOf(ModelLoadException.class)
                    .hasMessageContaining("no-such-model").hasMessageContaining("tiny-latent");
        }
        // closing the registry closed the decoder with the models
        assertThatThrownBy(() -> d.run(1, new float[16], new float[64])).isInstanceOf(ModelException.class).hasMessageContaining("closed");
        assertThatThrownBy(() -> registry.decoder("tiny-latent")).isInstanceOf(IllegalStateException.class);
    }

    /** The decoder really makes 1x8x8 images; a manifest that says 1x6x6 is caught by the load probe, naming the stage. */
    @Test
    void aDecoderWhoseOutputIsNotItsDeclaredShapeFailsToLoadNamingTheDecoderAndItsFile() {
        Fixtures.copy("tiny-latent", models, "wrong-shape", root -> {
            root.put("name", "wrong-shape");
            ((com.fasterxml.jackson.databind.node.ObjectNode) root.get("decoder")).putArray("outputShape").add(1).add(6).add(6);
        });
        try (ModelRegistry registry = new ModelRegistry(options(models))) {
            assertThatThrownBy(() -> registry.decoder("wrong-shape")).isInstanceOf(ModelLoadException.class)
                    .hasMessageContaining("wrong-shape").hasMessageContaining("decoder").hasMessageContaining("decoder.onnx")
                    .hasMessageContaining("(2, 1, 6, 6)");
        }
    }

    @Test
    void loadsModelsFromSubdirectoriesLazilyAndCachesThem() {
        Fixtures.copy("tiny", models, "tiny", root -> {});
        Fixtures.copy("tiny", models, "other", root -> root.put("name", "tiny-two"));
        try (ModelRegistry registry = new ModelRegistry(options(models))) {
            assertThat(registry.names()).containsExactly("tiny", "tiny-two");
            assertThat(registry.info("tiny").sampleShape()).containsExactly(1, 4, 4);
            assertThat(registry.info("tiny").classNames()).containsExactly("zero", "one", "two");
            VelocityModel m = registry.get("tiny");
            assertThat(registry.get("tiny")).isSameAs(m);
            assertThat(((DjlVelocityModel) m).engine()).isEqualTo(EngineKind.ONNX_RUNTIME);
            assertThat(((DjlVelocityModel) m).device().isGpu()).isFalse();
        }
    }

    @Test
    void engineOverridePicksTheAlternativeFile() {
        Fixtures.copy("tiny", models, "tiny", root -> {});
        try (ModelRegistry registry = new ModelRegistry(options(models).withEngineOverrides(Map.of("tiny", EngineKind.PYTORCH)))) {
            assertThat(registry.engineFor("tiny")).isEqualTo(EngineKind.PYTORCH);
            assertThat(((DjlVelocityModel) registry.get("tiny")).engine()).isEqualTo(EngineKind.PYTORCH);
        }
    }

    @Test
    void unknownModelListsTheKnownOnes() {
        Fixtures.copy("tiny", models, "tiny", root -> {});
        try (ModelRegistry registry = new ModelRegistry(options(models))) {
            assertThatThrownBy(() -> registry.get("mnist"))
                    .isInstanceOf(ModelLoadException.class)
                    .hasMessageContaining("'mnist'").hasMessageContaining("unknown").hasMessageContaining("[tiny]");
        }
    }

    @Test
    void missingWeightsFileNamesModelAndFile() {
        Path dir = Fixtures.copy("tiny", models, "tiny", root -> root.put("file", "absent.onnx"));
        try (ModelRegistry registry = new ModelRegistry(options(models))) {
            assertThatThrownBy(() -> registry.get("tiny"))
                    .isInstanceOf(ModelLoadException.class)
                    .hasMessageContaining("'tiny'").hasMessageContaining(dir.resolve("absent.onnx").toString())
                    .satisfies(e -> assertThat(((ModelLoadException) e).file()).isEqualTo(dir.resolve("absent.onnx")));
        }
    }

    @Test
    void outputShapeThatDoesNotMatchTheManifestFailsTheLoadProbe() {
        // The flat-output fixture returns [batch, 16] for a manifest that says [1, 4, 4].
        Path dir = Fixtures.copy("tiny-flat-output", models, "flat", root -> {});
        try (ModelRegistry registry = new ModelRegistry(options(models))) {
            assertThatThrownBy(() -> registry.get("tiny-flat-output"))
                    .isInstanceOf(ModelLoadException.class)
                    .hasMessageContaining("'tiny-flat-output'").hasMessageContaining(dir.resolve("model.onnx").toString())
                    .hasMessageContaining("(2, 16)").hasMessageContaining("(2, 1, 4, 4)");
        }
    }

    @Test
    void sampleShapeTheNetCannotTakeFailsTheLoadProbe() {
        // Same number of axes, wrong size: the net's dense layer rejects it inside the engine.
        Path dir = Fixtures.copy("tiny", models, "tiny", root -> {
            root.putArray("sampleShape").add(1).add(4).add(5);
            root.remove("image");
        });
        try (ModelRegistry registry = new ModelRegistry(options(models))) {
            assertThatThrownBy(() -> registry.get("tiny"))
                    .isInstanceOf(ModelLoadException.class)
                    .hasMessageContaining("'tiny'").hasMessageContaining("probe").hasMessageContaining(dir.resolve("model.onnx").toString());
        }
    }

    @Test
    void corruptWeightsFailToLoadWithModelAndFile() throws Exception {
        Path dir = Fixtures.copy("tiny", models, "tiny", root -> {});
        Files.writeString(dir.resolve("model.onnx"), "not an onnx graph");
        Files.writeString(dir.resolve("model.pt"), "not a torchscript archive");
        for (EngineKind engine : EngineKind.values()) {
            try (ModelRegistry registry = new ModelRegistry(options(models).withEngineOverrides(Map.of("tiny", engine)))) {
                assertThatThrownBy(() -> registry.get("tiny"))
                        .as(engine.toString())
                        .isInstanceOf(ModelLoadException.class)
                        .hasMessageContaining("'tiny'").hasMessageContaining(engine.djlName())
                        .hasMessageContaining(dir.resolve(engine == EngineKind.PYTORCH ? "model.pt" : "model.onnx").toString());
            }
        }
    }

    @Test
    void unknownManifestKeyFailsTheRegistryStart() {
        Path dir = Fixtures.copy("tiny", models, "tiny", root -> root.put("guidanceScale", 2.0));
        assertThatThrownBy(() -> new ModelRegistry(options(models)))
                .isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("'tiny'").hasMessageContaining("guidanceScale")
                .hasMessageContaining(dir.resolve(ModelManifest.FILE_NAME).toString());
    }

    @Test
    void twoModelsOfOneNameAreAnError() {
        Fixtures.copy("tiny", models, "a", root -> {});
        Fixtures.copy("tiny", models, "b", root -> {});
        assertThatThrownBy(() -> new ModelRegistry(options(models)))
                .isInstanceOf(ModelLoadException.class).hasMessageContaining("'tiny'").hasMessageContaining("also defined");
    }

    @Test
    void engineOverrideMustBeAnEngineTheModelHasAFileFor() {
        Fixtures.copy("tiny-flat-output", models, "flat", root -> {});
        assertThatThrownBy(() -> new ModelRegistry(options(models).withEngineOverrides(Map.of("tiny-flat-output", EngineKind.PYTORCH))))
                .isInstanceOf(ModelLoadException.class).hasMessageContaining("PyTorch");
        assertThatThrownBy(() -> new ModelRegistry(options(models).withEngineOverrides(Map.of("nope", EngineKind.PYTORCH))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("nope");
    }

    @Test
    void gpuRequestedWithoutAGpuIsAClearError() {
        // Only meaningful where the engine sees no GPU: true of the CPU natives this build ships.
        org.junit.jupiter.api.Assumptions.assumeTrue(ai.djl.engine.Engine.getEngine("OnnxRuntime").getGpuCount() == 0);
        Fixtures.copy("tiny", models, "tiny", root -> {});
        try (ModelRegistry registry = new ModelRegistry(options(models).withRuntime(ONE_THREAD_CPU.withDevice(DeviceMode.GPU)))) {
            assertThatThrownBy(() -> registry.get("tiny"))
                    .isInstanceOf(ModelLoadException.class).hasMessageContaining("'tiny'").hasMessageContaining("no GPU");
        }
    }

    @Test
    void closeClosesEveryModel() {
        Fixtures.copy("tiny", models, "tiny", root -> {});
        ModelRegistry registry = new ModelRegistry(options(models));
        VelocityModel loaded = registry.get("tiny");
        registry.register(AnalyticGaussianModel.builder().build());
        assertThat(registry.names()).containsExactly("analytic-gaussian", "tiny");
        registry.close();
        assertThatThrownBy(() -> loaded.velocity(1, new float[16], new float[] {0.5f}, new int[] {0}, new float[16]))
                .isInstanceOf(ModelException.class).hasMessageContaining("closed");
        assertThatThrownBy(() -> registry.get("tiny")).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void missingBuiltInModelIsSimplyNotOffered() {
        Fixtures.copy("tiny", models, "tiny", root -> {});
        try (ModelRegistry registry = new ModelRegistry(options(models).withBuiltIn(true))) {
            assertThat(registry.names()).contains("tiny");
            assertThat(registry.names().contains("fashion-mnist")).isEqualTo(BuiltInModels.present("fashion-mnist"));
        }
    }

    @Test
    void aDirectoryThatIsItselfAModelIsAccepted() {
        Path dir = Fixtures.copy("tiny", models, "tiny", root -> {});
        try (ModelRegistry registry = new ModelRegistry(options(dir))) {
            assertThat(registry.names()).containsExactly("tiny");
        }
    }
}
