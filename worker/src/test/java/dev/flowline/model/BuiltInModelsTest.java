package dev.flowline.model;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;

import static org.assertj.core.api.Assertions.assertThat;

/** Classpath extraction, exercised on the tiny fixture's resource directory (the demo model may not be there yet). */
class BuiltInModelsTest {
    @TempDir
    Path cache;

    @Test
    void extractsTheManifestAndEveryFileItNamesOnceAndRefreshesChangedOnes() throws Exception {
        Path manifest = BuiltInModels.extract("/fixtures/tiny/", "tiny", cache).orElseThrow();
        Path dir = manifest.getParent();
        assertThat(dir.getParent()).isEqualTo(cache);
        assertThat(dir.resolve("model.onnx")).hasSameBinaryContentAs(Fixtures.tinyDir().resolve("model.onnx"));
        assertThat(dir.resolve("model.pt")).hasSameBinaryContentAs(Fixtures.tinyDir().resolve("model.pt"));
        assertThat(dir.resolve("expected.json")).doesNotExist(); // not named by the manifest

        // Unchanged files are left alone; a stale one (e.g. retrained weights, same manifest) is replaced.
        FileTime old = FileTime.fromMillis(1_000_000L);
        Files.setLastModifiedTime(dir.resolve("model.onnx"), old);
        Files.writeString(dir.resolve("model.pt"), "stale");
        assertThat(BuiltInModels.extract("/fixtures/tiny/", "tiny", cache)).contains(manifest);
        assertThat(Files.getLastModifiedTime(dir.resolve("model.onnx"))).isEqualTo(old);
        assertThat(dir.resolve("model.pt")).hasSameBinaryContentAs(Fixtures.tinyDir().resolve("model.pt"));

        try (DjlVelocityModel m = DjlVelocityModel.load(ManifestReader.read(manifest), EngineKind.ONNX_RUNTIME, Fixtures.ONE_THREAD_CPU)) {
            assertThat(m.info().name()).isEqualTo("tiny");
        }
    }

    @Test
    void anAbsentModelIsEmpty() {
        assertThat(BuiltInModels.extract("/models/no-such-model/", "no-such-model", cache)).isEmpty();
    }
}
