package dev.flowline.model;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The demo model shipped under /models/fashion-mnist/ — skipped until that resource lands in the build. */
class BuiltInDemoModelTest {
    @TempDir
    Path cache;

    @Test
    void demoModelLoadsAndABatchedCallEqualsRowByRowCalls() {
        assumeTrue(BuiltInModels.present("fashion-mnist"), "built-in fashion-mnist model is not on the classpath yet");
        ModelRegistryOptions options = new ModelRegistryOptions(List.of(), true, Fixtures.ONE_THREAD_CPU, Map.of(), cache);
        try (ModelRegistry registry = new ModelRegistry(options)) {
            ModelInfo info = registry.info("fashion-mnist");
            assertThat(info.dim()).isPositive();
            VelocityModel model = registry.get("fashion-mnist");
            DjlVelocityModelTest.assertBatchedEqualsRowByRow(model, new Random(1), 4);
        }
    }
}
