package dev.flowline.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.net.URL;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The latent demo model under /models/fashion-mnist-latent/: both engines reproduce the velocity and the decoded image
 * that the Python export recorded for a fixed latent (reference-outputs.json).
 */
class LatentDemoModelTest {

    @ParameterizedTest
    @EnumSource(EngineKind.class)
    void velocityAndDecoderReproduceTheExportsRecordedOutputs(EngineKind engine) throws Exception {
        URL url = getClass().getResource("/models/fashion-mnist-latent/" + ModelManifest.FILE_NAME);
        assumeTrue(url != null, "fashion-mnist-latent is not on the classpath");
        ModelManifest m = ManifestReader.read(Path.of(url.toURI()));
        JsonNode ref = new ObjectMapper().readTree(Path.of(url.toURI()).resolveSibling("reference-outputs.json").toFile());
        JsonNode input = ref.get("input");
        int rows = input.get("t").size();
        int dim = m.info().dim();
        float[] z = new float[rows * dim];
        float[] t = new float[rows];
        int[] labels = new int[rows];
        for (int row = 0; row < rows; row++) {
            for (int i = 0; i < dim; i++) z[row * dim + i] = (float) input.get("x").get(row).get(i).asDouble();
            t[row] = (float) input.get("t").get(row).asDouble();
            int label = input.get("label").get(row).asInt();
            labels[row] = label == 10 ? VelocityModel.NO_LABEL : label;
        }
        double tol = ref.get("tolerance").get("abs").asDouble();
        float[] v = new float[rows * dim];
        try (DjlVelocityModel model = DjlVelocityModel.load(m, engine, Fixtures.ONE_THREAD_CPU)) {
            model.velocity(rows, z, t, labels, v);
        }
        check(ref.get("output").get("rows"), v, rows, dim, tol, engine + " velocity");
        try (DjlStageModel decoder = DjlStageModel.load(m, m.decoder().orElseThrow(), engine, Fixtures.ONE_THREAD_CPU)) {
            float[] img = new float[rows * decoder.outputDim()];
            decoder.run(rows, z, img);
            check(ref.get("decoder").get("rows"), img, rows, decoder.outputDim(), tol, engine + " decoder");
        }
    }

    private static void check(JsonNode expectedRows, float[] out, int rows, int dim, double tol, String what) {
        for (int row = 0; row < rows; row++) {
            JsonNode expected = expectedRows.get(row);
            for (int i = 0; i < 16; i++) {
                assertThat((double) out[row * dim + i]).as("%s row %d value %d", what, row, i)
                        .isCloseTo(expected.get("first16").get(i).asDouble(), within(tol));
            }
            double sum = 0;
            for (int i = 0; i < dim; i++) sum += out[row * dim + i];
            assertThat(sum).as("%s row %d sum", what, row).isCloseTo(expected.get("sum").asDouble(), within(tol * dim));
        }
    }
}
