package dev.flowline.model;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flowline.sampling.Sampler;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The manifest's {@code tiers}: candidates resolved against the model at load, every mistake naming its field. */
class TierManifestTest {
    @TempDir
    Path temp;

    /** The tiny fixture with a two-step bespoke midpoint solver and {@code tiers} as {@code edit} leaves them. */
    private Path manifest(String dirName, Consumer<ObjectNode> edit) throws IOException {
        ObjectNode root = (ObjectNode) Fixtures.JSON.readTree(Fixtures.tinyDir().resolve(ModelManifest.FILE_NAME).toFile());
        ObjectNode b = root.putObject("solvers").putObject("bespoke-midpoint-2");
        b.put("type", "bespoke").put("base", "midpoint").put("steps", 2).put("finalScale", 1.0);
        b.putArray("t").add(0.0).add(0.25).add(0.5).add(0.75);
        b.putArray("dt").add(1.0).add(1.0).add(1.0).add(1.0);
        b.putArray("s").add(1.0).add(1.0).add(1.0).add(1.0);
        b.putArray("ds").add(0.0).add(0.0).add(0.0).add(0.0);
        ObjectNode tiers = root.putObject("tiers");
        ArrayNode fast = tiers.putArray("fast");
        fast.addObject().put("solver", "euler").put("steps", 2);
        fast.addObject().put("solver", "bespoke-midpoint-2");
        fast.addObject().put("solver", "heun").put("schedule", "uniform-4");
        tiers.putArray("best").addObject().put("solver", "bespoke").put("schedule", "bespoke-midpoint-2");
        edit.accept(root);
        Path dir = Files.createDirectories(temp.resolve(dirName));
        Path file = dir.resolve(ModelManifest.FILE_NAME);
        Fixtures.JSON.writeValue(file.toFile(), root);
        return file;
    }

    private static ArrayNode fast(ObjectNode root) {
        return (ArrayNode) root.get("tiers").get("fast");
    }

    private static ObjectNode fast(ObjectNode root, int i) {
        return (ObjectNode) fast(root).get(i);
    }

    @Test
    void tiersAreResolvedAgainstTheModelsGridsAndLearnedSolversCheapestFirst() throws IOException {
        ModelInfo info = ManifestReader.read(manifest("ok", r -> {})).info();
        assertThat(info.tiers().keySet()).containsExactly("fast", "best");
        List<Sampler> fast = info.tiers().get("fast");
        assertThat(fast).extracting(Sampler::solverName).containsExactly("euler", "bespoke-midpoint-2", "heun");
        assertThat(fast).extracting(Sampler::steps).containsExactly(2, 2, 4);
        assertThat(fast).extracting(Sampler::maxNfe).containsExactly(2, 4, 8);
        assertThat(fast.get(2).grid()).containsExactly(0.0, 0.25, 0.5, 0.75, 1.0); // the named grid
        // A learned solver by its name, or as bespoke with its name as the schedule: the same sampler.
        assertThat(info.tiers().get("best").getFirst().solverName()).isEqualTo("bespoke-midpoint-2");
        assertThat(info.tiers().get("best").getFirst().config()).isEqualTo(fast.get(1).config());
    }

    static Stream<Arguments> mistakes() {
        return Stream.of(
                Arguments.of("not an object", (Consumer<ObjectNode>) r -> r.put("tiers", "fast"), "tiers"),
                Arguments.of("not a list", (Consumer<ObjectNode>) r -> ((ObjectNode) r.get("tiers")).put("fast", "euler"), "tiers.fast"),
                Arguments.of("empty list", (Consumer<ObjectNode>) r -> ((ObjectNode) r.get("tiers")).putArray("fast"), "tiers.fast"),
                Arguments.of("candidate not an object", (Consumer<ObjectNode>) r -> fast(r).insert(0, "euler"), "tiers.fast[0]"),
                Arguments.of("unknown key", (Consumer<ObjectNode>) r -> fast(r, 0).put("guidanceScale", 2.0), "tiers.fast[0].guidanceScale"),
                Arguments.of("solver missing", (Consumer<ObjectNode>) r -> fast(r, 1).remove("solver"), "tiers.fast[1].solver"),
                Arguments.of("unknown solver", (Consumer<ObjectNode>) r -> fast(r, 1).put("solver", "bespoke-midpoint-3"), "tiers.fast[1].solver"),
                Arguments.of("adaptive solver", (Consumer<ObjectNode>) r -> fast(r, 2).put("solver", "dopri5").remove("schedule"),
                        "tiers.fast[2].solver"),
                Arguments.of("flowmap on a velocity model", (Consumer<ObjectNode>) r -> fast(r, 0).put("solver", "flowmap"), "tiers.fast[0].solver"),
                Arguments.of("unknown schedule", (Consumer<ObjectNode>) r -> fast(r, 2).put("schedule", "boss-9"), "tiers.fast[2].schedule"),
                Arguments.of("unknown learned solver", (Consumer<ObjectNode>) r -> ((ObjectNode) r.get("tiers").get("best").get(0))
                        .put("schedule", "bespoke-rk4-1"), "tiers.best[0].schedule"),
                Arguments.of("shifted grid", (Consumer<ObjectNode>) r -> fast(r, 0).put("schedule", "shifted"), "tiers.fast[0].schedule"),
                Arguments.of("steps missing on a uniform grid", (Consumer<ObjectNode>) r -> fast(r, 0).remove("steps"), "tiers.fast[0].steps"),
                Arguments.of("steps disagreeing with the grid", (Consumer<ObjectNode>) r -> fast(r, 2).put("steps", 3), "tiers.fast[2].steps"),
                Arguments.of("steps disagreeing with the learned solver", (Consumer<ObjectNode>) r -> fast(r, 1).put("steps", 4),
                        "tiers.fast[1].steps"),
                Arguments.of("a learned solver given another schedule", (Consumer<ObjectNode>) r -> fast(r, 1).put("schedule", "uniform-4"),
                        "tiers.fast[1].schedule"),
                Arguments.of("steps not positive", (Consumer<ObjectNode>) r -> fast(r, 0).put("steps", 0), "tiers.fast[0].steps"),
                Arguments.of("out of cost order", (Consumer<ObjectNode>) r -> fast(r, 0).put("steps", 4), "tiers.fast[1]"),
                Arguments.of("equal cost", (Consumer<ObjectNode>) r -> fast(r).addObject().put("solver", "rk4").put("steps", 2), "tiers.fast[3]"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("mistakes")
    void eachMistakeIsALoadErrorNamingModelFileAndField(String what, Consumer<ObjectNode> edit, String field) throws IOException {
        Path file = manifest("broken", edit);
        assertThatThrownBy(() -> ManifestReader.read(file))
                .isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("model 'tiny'")
                .hasMessageContaining(file.toString())
                .hasMessageContaining("field '" + field + "'");
    }

    @Test
    void theRecordItselfRefusesAnEmptyTierOrOneOutOfCostOrder() {
        ModelInfo info = Fixtures.tinyManifest().info();
        Sampler euler2 = Sampler.of(dev.flowline.sampling.SamplerConfig.builder().optSolver("euler").optSteps(2).build());
        Sampler euler4 = Sampler.of(dev.flowline.sampling.SamplerConfig.builder().optSolver("euler").optSteps(4).build());
        assertThatThrownBy(() -> info.withTiers(Map.of("fast", List.of()))).hasMessageContaining("tiers.fast");
        assertThatThrownBy(() -> info.withTiers(Map.of("fast", List.of(euler4, euler2)))).hasMessageContaining("tiers.fast[1]");
        assertThat(info.withTiers(Map.of("fast", List.of(euler2, euler4))).tiers().get("fast")).containsExactly(euler2, euler4);
        assertThat(info.withTiers(Map.of("fast", List.of(euler2)))).isNotEqualTo(info);
    }

    @Test
    void theBuiltInModelsShipFastStandardAndBestTiers() {
        ModelInfo mnist = ManifestReader.read(Path.of("src/main/resources/models/fashion-mnist/flowline-model.json")).info();
        assertThat(mnist.tiers().keySet()).containsExactly("fast", "standard", "best");
        assertThat(mnist.tiers().get("fast")).extracting(Sampler::solverName).containsExactly("bespoke-euler-2", "bespoke-midpoint-2");
        assertThat(mnist.tiers().get("fast")).extracting(Sampler::maxNfe).containsExactly(2, 4);
        assertThat(mnist.tiers().get("standard")).extracting(Sampler::solverName).containsExactly("bespoke-midpoint-2", "bespoke-midpoint-4");
        assertThat(mnist.tiers().get("standard")).extracting(Sampler::maxNfe).containsExactly(4, 8);
        assertThat(mnist.tiers().get("best")).extracting(Sampler::solverName).containsExactly("bespoke-midpoint-4");

        ModelInfo flowMap = ManifestReader.read(Path.of("src/main/resources/models/fashion-mnist-flowmap/flowline-model.json")).info();
        assertThat(flowMap.tiers().keySet()).containsExactly("fast", "standard", "best");
        assertThat(flowMap.tiers().get("fast")).extracting(Sampler::solverName).containsOnly("flowmap");
        assertThat(flowMap.tiers().get("fast")).extracting(Sampler::steps).containsExactly(1, 2);
        assertThat(flowMap.tiers().get("standard")).extracting(Sampler::steps).containsExactly(2, 4);
        assertThat(flowMap.tiers().get("best")).extracting(Sampler::steps).containsExactly(4);
    }
}
