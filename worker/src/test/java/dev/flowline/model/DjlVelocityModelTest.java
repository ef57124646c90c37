package dev.flowline.model;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;

import static dev.flowline.model.Fixtures.ONE_THREAD_CPU;
import static dev.flowline.model.Fixtures.maxAbsDiff;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The tiny fixture through the real engines: ONNX Runtime and PyTorch (TorchScript). */
class DjlVelocityModelTest {
    private static final float TOLERANCE = 1e-4f;

    @TempDir
    Path temp;

    @ParameterizedTest
    @EnumSource(EngineKind.class)
    void tinyNetReproducesTheOutputsTorchComputedAtExport(EngineKind engine) {
        Fixtures.Expected e = Fixtures.Expected.load();
        try (DjlVelocityModel m = DjlVelocityModel.load(Fixtures.tinyManifest(), engine, ONE_THREAD_CPU)) {
            assertThat(m.engine()).isEqualTo(engine);
            float[] out = new float[e.v().length];
            m.velocity(e.rows(), e.x(), e.t(), e.labels(), out);
            assertThat(maxAbsDiff(out, e.v(), out.length)).isLessThan(TOLERANCE);
        }
    }

    @Test
    void onnxAndTorchScriptAgreeOnRandomBatches() {
        ModelManifest manifest = Fixtures.tinyManifest();
        try (DjlVelocityModel onnx = DjlVelocityModel.load(manifest, EngineKind.ONNX_RUNTIME, ONE_THREAD_CPU);
             DjlVelocityModel torch = DjlVelocityModel.load(manifest, EngineKind.PYTORCH, ONE_THREAD_CPU)) {
            Random rnd = new Random(7);
            for (int rows : new int[] {1, 3, 17, 64}) {
                Batch b = Batch.random(rnd, rows, 16, 3);
                float[] a = new float[rows * 16];
                float[] c = new float[rows * 16];
                onnx.velocity(rows, b.x, b.t, b.labels, a);
                torch.velocity(rows, b.x, b.t, b.labels, c);
                assertThat(maxAbsDiff(a, c, a.length)).as("rows=%d", rows).isLessThan(TOLERANCE);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(EngineKind.class)
    void aBatchedCallEqualsRowByRowCalls(EngineKind engine) {
        try (DjlVelocityModel m = DjlVelocityModel.load(Fixtures.tinyManifest(), engine, ONE_THREAD_CPU)) {
            assertBatchedEqualsRowByRow(m, new Random(11), 33);
        }
    }

    /** Shared with the demo-model test: one call of {@code rows} rows against {@code rows} calls of one row. */
    static void assertBatchedEqualsRowByRow(VelocityModel m, Random rnd, int rows) {
        int dim = m.dim();
        Batch b = Batch.random(rnd, rows, dim, m.info().numClasses());
        float[] batched = new float[rows * dim];
        m.velocity(rows, b.x, b.t, b.labels, batched);
        float[] single = new float[dim];
        for (int r = 0; r < rows; r++) {
            m.velocity(1, Arrays.copyOfRange(b.x, r * dim, (r + 1) * dim), new float[] {b.t[r]}, new int[] {b.labels[r]}, single);
            float[] fromBatch = Arrays.copyOfRange(batched, r * dim, (r + 1) * dim);
            assertThat(maxAbsDiff(single, fromBatch, dim)).as("row %d", r).isLessThan(TOLERANCE);
        }
    }

    @Test
    void unconditionalLabelIsSentAsTheNullClass() {
        // expected.json's row 3 has Flowline label -1; torch computed it with the model's null class id 3.
        Fixtures.Expected e = Fixtures.Expected.load();
        assertThat(e.labels()[3]).isEqualTo(-1);
        try (DjlVelocityModel m = DjlVelocityModel.load(Fixtures.tinyManifest(), EngineKind.ONNX_RUNTIME, ONE_THREAD_CPU)) {
            float[] out = new float[16];
            m.velocity(1, Arrays.copyOfRange(e.x(), 48, 64), new float[] {e.t()[3]}, new int[] {-1}, out);
            assertThat(maxAbsDiff(out, Arrays.copyOfRange(e.v(), 48, 64), 16)).isLessThan(TOLERANCE);
        }
    }

    @Test
    void int32LabelsWorkForTorchScript() {
        Path dir = Fixtures.copy("tiny", temp, "tiny-int32", root -> root.put("labelType", "int32"));
        ModelManifest int32 = ManifestReader.read(dir.resolve(ModelManifest.FILE_NAME));
        Fixtures.Expected e = Fixtures.Expected.load();
        try (DjlVelocityModel m = DjlVelocityModel.load(int32, EngineKind.PYTORCH, ONE_THREAD_CPU)) {
            float[] out = new float[e.v().length];
            m.velocity(e.rows(), e.x(), e.t(), e.labels(), out);
            assertThat(maxAbsDiff(out, e.v(), out.length)).isLessThan(TOLERANCE);
        }
    }

    @ParameterizedTest
    @EnumSource(EngineKind.class)
    void dataToNoiseModelsGetMappedTimeAndFlippedVelocity(EngineKind engine) {
        // The same weights declared as a data_to_noise model with time scale 1000: Flowline t must reach the net
        // as 1000·(1 − t) and the velocity must come back negated.
        Path dir = Fixtures.copy("tiny", temp, "tiny-reversed", root ->
                root.putObject("time").put("direction", "data_to_noise").put("scale", 1000.0));
        ModelManifest reversed = ManifestReader.read(dir.resolve(ModelManifest.FILE_NAME));
        try (DjlVelocityModel plain = DjlVelocityModel.load(Fixtures.tinyManifest(), engine, ONE_THREAD_CPU);
             DjlVelocityModel mapped = DjlVelocityModel.load(reversed, engine, ONE_THREAD_CPU)) {
            int rows = 6;
            Batch b = Batch.random(new Random(3), rows, 16, 3);
            float[] modelTime = new float[rows];
            for (int i = 0; i < rows; i++) modelTime[i] = (float) (1000.0 * (1.0 - b.t[i]));
            float[] viaMapping = new float[rows * 16];
            float[] direct = new float[rows * 16];
            float[] unmapped = new float[rows * 16];
            mapped.velocity(rows, b.x, b.t, b.labels, viaMapping);
            plain.velocity(rows, b.x, modelTime, b.labels, direct);
            plain.velocity(rows, b.x, b.t, b.labels, unmapped);
            for (int i = 0; i < direct.length; i++) direct[i] = -direct[i];
            assertThat(maxAbsDiff(viaMapping, direct, direct.length)).isLessThan(TOLERANCE);
            // And the mapping is not vacuous: the net does depend on t.
            assertThat(maxAbsDiff(viaMapping, unmapped, direct.length)).isGreaterThan(0.01f);
        }
    }

    @ParameterizedTest
    @EnumSource(EngineKind.class)
    void tenThousandCallsLeaveNoArraysBehind(EngineKind engine) {
        try (DjlVelocityModel m = DjlVelocityModel.load(Fixtures.tinyManifest(), engine, ONE_THREAD_CPU)) {
            Batch b = Batch.random(new Random(5), 8, 16, 3);
            float[] out = new float[8 * 16];
            m.velocity(8, b.x, b.t, b.labels, out);
            int before = m.liveArrayCount();
            long start = System.nanoTime();
            for (int i = 0; i < 10_000; i++) {
                int rows = 1 + (i % 8); // varying batch sizes exercise the staging buffers' reuse too
                m.velocity(rows, b.x, b.t, b.labels, out);
            }
            long micros = (System.nanoTime() - start) / 1000 / 10_000;
            System.out.printf("%s tiny net: %d us per call (batch 1..8, informative only)%n", engine, micros);
            assertThat(m.liveArrayCount()).isEqualTo(before);
        }
    }

    @Test
    void invalidLabelsAreRejectedNamingTheModel() {
        try (DjlVelocityModel m = DjlVelocityModel.load(Fixtures.tinyManifest(), EngineKind.ONNX_RUNTIME, ONE_THREAD_CPU)) {
            float[] x = new float[16];
            assertThatThrownBy(() -> m.velocity(1, x, new float[] {0.5f}, new int[] {3}, new float[16]))
                    .isInstanceOf(ModelException.class).hasMessageContaining("tiny").hasMessageContaining("label 3");
            assertThatThrownBy(() -> m.velocity(1, x, new float[] {0.5f}, new int[] {-2}, new float[16]))
                    .isInstanceOf(ModelException.class).hasMessageContaining("label -2");
            // The failed calls did not poison the model.
            m.velocity(1, x, new float[] {0.5f}, new int[] {2}, new float[16]);
        }
    }

    @Test
    void labelMinusOneWithoutANullClassIsRejected() {
        Path dir = Fixtures.copy("tiny", temp, "tiny-no-null", root -> {
            ((com.fasterxml.jackson.databind.node.ObjectNode) root.get("conditioning")).remove("nullClass");
        });
        // The probe uses a real class for the second row when there is no null class, so loading works.
        try (DjlVelocityModel m = DjlVelocityModel.load(ManifestReader.read(dir.resolve(ModelManifest.FILE_NAME)),
                EngineKind.ONNX_RUNTIME, ONE_THREAD_CPU)) {
            assertThat(m.info().supportsGuidance()).isFalse();
            assertThatThrownBy(() -> m.velocity(1, new float[16], new float[] {0.5f}, new int[] {-1}, new float[16]))
                    .isInstanceOf(ModelException.class).hasMessageContaining("no null class");
        }
    }

    @Test
    void closedModelRefusesCalls() {
        DjlVelocityModel m = DjlVelocityModel.load(Fixtures.tinyManifest(), EngineKind.ONNX_RUNTIME, ONE_THREAD_CPU);
        m.close();
        m.close(); // idempotent
        assertThatThrownBy(() -> m.velocity(1, new float[16], new float[] {0.5f}, new int[] {0}, new float[16]))
                .isInstanceOf(ModelException.class).hasMessageContaining("closed");
    }

    /** Random inputs: x ~ N(0, 1), t uniform in [0, 1], labels in -1..numClasses-1 (all -1 when unconditional). */
    record Batch(float[] x, float[] t, int[] labels) {
        static Batch random(Random rnd, int rows, int dim, int numClasses) {
            float[] x = new float[rows * dim];
            for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
            float[] t = new float[rows];
            int[] labels = new int[rows];
            for (int r = 0; r < rows; r++) {
                t[r] = rnd.nextFloat();
                labels[r] = numClasses == 0 ? -1 : rnd.nextInt(numClasses + 1) - 1;
            }
            return new Batch(x, t, labels);
        }
    }
}
