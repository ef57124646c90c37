package dev.flowline.model;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The decode stage on a real ONNX Runtime: the tiny-latent fixture's decoder (1x4x4 -> 1x8x8). */
class DjlStageModelTest {
    private static final ModelRuntimeOptions CPU = new ModelRuntimeOptions(DeviceMode.CPU, 1, 1);

    private static ModelManifest manifest() {
        return ManifestReader.read(Fixtures.dir("tiny-latent").resolve(ModelManifest.FILE_NAME));
    }

    @Test
    void manyLatentsInOneCallDecodeBitForBitAsEachAlone() {
        ModelManifest m = manifest();
        try (DjlStageModel decoder = DjlStageModel.load(m, m.decoder().orElseThrow(), EngineKind.ONNX_RUNTIME, CPU)) {
            assertThat(decoder.inputDim()).isEqualTo(16);
            assertThat(decoder.outputDim()).isEqualTo(64);
            int jobs = 7;
            float[] z = new float[jobs * 16];
            SplittableRandom rnd = new SplittableRandom(16);
            for (int i = 0; i < z.length; i++) z[i] = (float) rnd.nextGaussian();
            float[] batched = new float[jobs * 64];
            decoder.run(jobs, z, batched);
            for (int j = 0; j < jobs; j++) {
                float[] alone = new float[64];
                decoder.run(1, Arrays.copyOfRange(z, j * 16, (j + 1) * 16), alone);
                assertThat(Arrays.copyOfRange(batched, j * 64, (j + 1) * 64)).as("job %d", j).containsExactly(alone);
            }
            for (float v : batched) assertThat(v).isBetween(-1f, 1f);
        }
    }

    @Test
    void tooFewFloatsIsAnErrorNamingTheStage() {
        ModelManifest m = manifest();
        try (DjlStageModel decoder = DjlStageModel.load(m, m.decoder().orElseThrow(), EngineKind.ONNX_RUNTIME, CPU)) {
            assertThatThrownBy(() -> decoder.run(2, new float[16], new float[128]))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("decoder");
        }
    }
}
