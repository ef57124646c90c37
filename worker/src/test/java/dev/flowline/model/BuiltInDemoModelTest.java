package dev.flowline.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
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

    /**
     * Both engines reproduce what the Python export recorded for a fixed input (reference-outputs.json): the ONNX
     * graph is run by ONNX Runtime here for the first time (Python had no ONNX Runtime), TorchScript by libtorch 2.7.
     */
    @ParameterizedTest
    @EnumSource(EngineKind.class)
    void bothEnginesReproduceTheExportsRecordedOutputs(EngineKind engine) throws Exception {
        reproduceRecordedOutputs("fashion-mnist", engine);
    }

    /** The flow map takes the target time r as a fourth input (x, t, r, label), by name on ONNX and in order on TorchScript. */
    @ParameterizedTest
    @EnumSource(EngineKind.class)
    void theFlowMapModelReproducesItsRecordedOutputsOnBothEngines(EngineKind engine) throws Exception {
        reproduceRecordedOutputs("fashion-mnist-flowmap", engine);
    }

    /**
     * The latent model is a built-in too: its velocity model and its decoder (loaded through the registry, on the
     * engine asked for) reproduce the export's recorded outputs for a fixed latent.
     */
    @ParameterizedTest
    @EnumSource(EngineKind.class)
    void theLatentModelAndItsDecoderReproduceTheirRecordedOutputsOnBothEngines(EngineKind engine) throws Exception {
        reproduceRecordedOutputs("fashion-mnist-latent", engine);
    }

    private static void assertRows(String what, JsonNode rowsRef, float[] out, int rows, int dim, double tol) {
        for (int row = 0; row < rows; row++) {
            JsonNode expected = rowsRef.get(row);
            for (int i = 0; i < 16; i++) {
                assertThat((double) out[row * dim + i]).as("%s row %d value %d", what, row, i)
                        .isCloseTo(expected.get("first16").get(i).asDouble(), within(tol));
            }
            double sum = 0, sq = 0;
            for (int i = 0; i < dim; i++) {
                sum += out[row * dim + i];
                sq += (double) out[row * dim + i] * out[row * dim + i];
            }
            assertThat(sum).as("%s row %d sum", what, row).isCloseTo(expected.get("sum").asDouble(), within(tol * dim));
            assertThat(Math.sqrt(sq)).as("%s row %d l2", what, row).isCloseTo(expected.get("l2").asDouble(), within(tol * Math.sqrt(dim)));
        }
    }

    private void reproduceRecordedOutputs(String name, EngineKind engine) throws Exception {
        assumeTrue(BuiltInModels.present(name), "built-in " + name + " model is not on the classpath yet");
        JsonNode ref;
        try (InputStream in = getClass().getResourceAsStream("/models/" + name + "/reference-outputs.json")) {
            ref = new ObjectMapper().readTree(in);
        }
        JsonNode input = ref.get("input");
        int rows = input.get("t").size();
        int dim = 1;
        if (input.has("shape")) for (int i = 1; i < input.get("shape").size(); i++) dim *= input.get("shape").get(i).asInt();
        else dim = 28 * 28;
        float[] x = new float[rows * dim];
        float[] t = new float[rows];
        float[] r = new float[rows];
        int[] labels = new int[rows];
        for (int row = 0; row < rows; row++) {
            for (int i = 0; i < dim; i++) x[row * dim + i] = (float) input.get("x").get(row).get(i).asDouble();
            t[row] = (float) input.get("t").get(row).asDouble();
            r[row] = input.has("r") ? (float) input.get("r").get(row).asDouble() : t[row];
            int label = input.get("label").get(row).asInt();
            labels[row] = label == 10 ? VelocityModel.NO_LABEL : label; // 10 is the null class: Flowline's NO_LABEL
        }
        double tol = ref.get("tolerance").get("abs").asDouble();
        ModelRegistryOptions options = new ModelRegistryOptions(List.of(), true, Fixtures.ONE_THREAD_CPU,
                Map.of(name, engine), cache);
        try (ModelRegistry registry = new ModelRegistry(options)) {
            float[] out = new float[rows * dim];
            VelocityModel model = registry.get(name);
            assertThat(model.info().flowMap()).isEqualTo(input.has("r"));
            model.velocity(rows, x, t, r, labels, out);
            if (ref.has("decoder")) { // a latent model: the recorded image is the decoder's output for the input latent
                LatentDecoder decoder = registry.decoder(name).orElseThrow();
                float[] image = new float[rows * decoder.outputDim()];
                decoder.run(rows, x, image);
                assertRows(name + " " + engine + " decoder", ref.get("decoder").get("rows"), image, rows, decoder.outputDim(), tol);
            }
            for (int row = 0; row < rows; row++) {
                JsonNode expected = ref.get("output").get("rows").get(row);
                for (int i = 0; i < 16; i++) {
                    assertThat((double) out[row * dim + i]).as("%s %s row %d value %d", name, engine, row, i)
                            .isCloseTo(expected.get("first16").get(i).asDouble(), within(tol));
                }
                double sum = 0, sq = 0;
                for (int i = 0; i < dim; i++) {
                    sum += out[row * dim + i];
                    sq += (double) out[row * dim + i] * out[row * dim + i];
                }
                // Sums over 784 values accumulate the per-value tolerance.
                assertThat(sum).as("%s %s row %d sum", name, engine, row).isCloseTo(expected.get("sum").asDouble(), within(tol * dim));
                assertThat(Math.sqrt(sq)).as("%s %s row %d l2", name, engine, row).isCloseTo(expected.get("l2").asDouble(), within(tol * 28));
            }
        }
    }
}
