package dev.flowline.model;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ModelInfoTest {
    private static ModelInfo info(int numClasses, int nullClass, List<String> names, Map<String, List<Double>> schedules) {
        return new ModelInfo("m", "1", "", new int[] {1, 2, 2}, ModelInfo.ValueRange.SYMMETRIC_UNIT, numClasses, nullClass,
                names, Optional.of(new ModelInfo.ImageLayout(1, 2, 2)), ModelInfo.SamplerDefaults.DEFAULT, schedules, 8);
    }

    @Test
    void skeletonConstructorStillWorksAndPutsTheNullClassAfterTheClasses() {
        ModelInfo guided = new ModelInfo("m", "1", new int[] {1, 28, 28}, 10, true);
        assertThat(guided.nullClass()).isEqualTo(10);
        assertThat(guided.supportsGuidance()).isTrue();
        assertThat(guided.dim()).isEqualTo(784);
        assertThat(new ModelInfo("m", "1", new int[] {4}, 0, false).supportsGuidance()).isFalse();
    }

    @Test
    void isImmutable() {
        int[] shape = {1, 2, 2};
        ModelInfo i = new ModelInfo("m", "1", shape, 0, false);
        shape[0] = 9;
        i.sampleShape()[1] = 9;
        assertThat(i.sampleShape()).containsExactly(1, 2, 2);
        double[] grid = info(0, -1, List.of(), Map.of("u", List.of(0.0, 0.5, 1.0))).schedule("u").orElseThrow();
        assertThat(grid).containsExactly(0.0, 0.5, 1.0);
    }

    @Test
    void rejectsInconsistentConditioning() {
        assertThatThrownBy(() -> info(3, 1, List.of(), Map.of())).hasMessageContaining("collides");
        assertThatThrownBy(() -> info(0, 0, List.of(), Map.of())).hasMessageContaining("unconditional");
        assertThatThrownBy(() -> info(3, 3, List.of("a"), Map.of())).hasMessageContaining("classNames");
    }

    @Test
    void rejectsSchedulesThatAreNotGridsFromNoiseToData() {
        assertThatThrownBy(() -> info(0, -1, List.of(), Map.of("s", List.of(0.0, 0.5)))).hasMessageContaining("end at 1.0");
        assertThatThrownBy(() -> info(0, -1, List.of(), Map.of("s", List.of(0.0, 0.6, 0.6, 1.0)))).hasMessageContaining("strictly increasing");
    }

    @Test
    void rejectsAnImageThatDoesNotHoldTheSample() {
        assertThatThrownBy(() -> new ModelInfo("m", "1", "", new int[] {1, 2, 2}, ModelInfo.ValueRange.SYMMETRIC_UNIT, 0, -1,
                List.of(), Optional.of(new ModelInfo.ImageLayout(3, 2, 2)), ModelInfo.SamplerDefaults.DEFAULT, Map.of(), 8))
                .hasMessageContaining("image");
    }
}
