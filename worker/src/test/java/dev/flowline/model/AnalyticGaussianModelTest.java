package dev.flowline.model;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** The closed-form model must be right, since sampler and scheduler tests take it as ground truth. */
class AnalyticGaussianModelTest {
    private final AnalyticGaussianModel model = AnalyticGaussianModel.builder().optSampleShape(1, 4, 4).optNumClasses(3).optStd(0.4f).build();

    @Test
    void velocityIsTheTimeDerivativeOfTheExactTransport() {
        // x_t = tμ + σ_t·x0 solves dx/dt = v(x, t): compare v with a central difference along that path.
        Random rnd = new Random(1);
        float[] x0 = gaussian(rnd, 16);
        for (int label : new int[] {0, 2, -1}) {
            for (double t : new double[] {0.05, 0.3, 0.5, 0.8, 0.97}) {
                double h = 1e-3;
                float[] plus = model.transport(x0, label, t + h);
                float[] minus = model.transport(x0, label, t - h);
                float[] v = new float[16];
                model.velocity(1, model.transport(x0, label, t), new float[] {(float) t}, new int[] {label}, v);
                for (int i = 0; i < 16; i++) {
                    assertThat((double) v[i]).as("label %d t %.2f i %d", label, t, i).isCloseTo((plus[i] - minus[i]) / (2 * h), within(2e-3));
                }
            }
        }
    }

    @Test
    void velocityAtTheEndsMatchesTheConditionalExpectations() {
        // t = 0: E[x1 − x0 | x0 = x] = μ − x.  t = 1: E[x1 − x0 | x1 = x] = x.
        float[] x = gaussian(new Random(2), 16);
        float[] mu = model.mean(1);
        float[] v = new float[16];
        model.velocity(1, x, new float[] {0f}, new int[] {1}, v);
        for (int i = 0; i < 16; i++) assertThat(v[i]).isCloseTo(mu[i] - x[i], within(1e-6f));
        model.velocity(1, x, new float[] {1f}, new int[] {1}, v);
        for (int i = 0; i < 16; i++) assertThat(v[i]).isCloseTo(x[i], within(1e-6f));
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 2, -1})
    void integratingFromNoiseGivesTheClassMeanAndStd(int label) {
        int n = 4000;
        int dim = 16;
        Random rnd = new Random(3 + label);
        float[] x = gaussian(rnd, n * dim);
        float[] t = new float[n];
        int[] labels = new int[n];
        java.util.Arrays.fill(labels, label);
        rk4(x, t, labels, n, 40);

        float[] mu = model.mean(label);
        double pooledVar = 0;
        for (int i = 0; i < dim; i++) {
            double mean = 0;
            for (int r = 0; r < n; r++) mean += x[r * dim + i];
            mean /= n;
            // Standard error is 0.4/sqrt(4000) ≈ 0.0063; allow five of them.
            assertThat(mean).as("coordinate %d", i).isCloseTo(mu[i], within(0.032));
            for (int r = 0; r < n; r++) pooledVar += (x[r * dim + i] - mean) * (x[r * dim + i] - mean);
        }
        double std = Math.sqrt(pooledVar / (dim * (n - 1.0)));
        assertThat(std).isCloseTo(0.4, within(0.01));
    }

    /** Classic RK4 on the uniform grid from t = 0 to 1, in place on the batch. */
    private void rk4(float[] x, float[] t, int[] labels, int n, int steps) {
        int len = x.length;
        float[] k1 = new float[len], k2 = new float[len], k3 = new float[len], k4 = new float[len], tmp = new float[len];
        float h = 1f / steps;
        for (int s = 0; s < steps; s++) {
            float t0 = s * h;
            java.util.Arrays.fill(t, t0);
            model.velocity(n, x, t, labels, k1);
            for (int i = 0; i < len; i++) tmp[i] = x[i] + 0.5f * h * k1[i];
            java.util.Arrays.fill(t, t0 + 0.5f * h);
            model.velocity(n, tmp, t, labels, k2);
            for (int i = 0; i < len; i++) tmp[i] = x[i] + 0.5f * h * k2[i];
            model.velocity(n, tmp, t, labels, k3);
            for (int i = 0; i < len; i++) tmp[i] = x[i] + h * k3[i];
            java.util.Arrays.fill(t, t0 + h);
            model.velocity(n, tmp, t, labels, k4);
            for (int i = 0; i < len; i++) x[i] += h / 6f * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]);
        }
    }

    @Test
    void nullClassHasMeanZeroAndClassesDiffer() {
        assertThat(model.mean(-1)).containsOnly(0f);
        assertThat(model.mean(0)).isNotEqualTo(model.mean(1));
        assertThat(model.info().nullClass()).isEqualTo(3);
        assertThat(model.info().supportsGuidance()).isTrue();
    }

    @Test
    void unconditionalModelIgnoresLabels() {
        AnalyticGaussianModel plain = AnalyticGaussianModel.builder().optNumClasses(0).optSampleShape(8).build();
        float[] x = gaussian(new Random(4), 8);
        float[] a = new float[8];
        float[] b = new float[8];
        plain.velocity(1, x, new float[] {0.5f}, new int[] {-1}, a);
        plain.velocity(1, x, new float[] {0.5f}, null, b);
        assertThat(a).containsExactly(b);
        assertThat(plain.info().supportsGuidance()).isFalse();
    }

    @Test
    void rejectsLabelsOutsideItsClasses() {
        assertThatThrownBy(() -> model.velocity(1, new float[16], new float[] {0.5f}, new int[] {3}, new float[16]))
                .isInstanceOf(ModelException.class).hasMessageContaining("analytic-gaussian");
    }

    @Test
    void emulatedCostStillComputesTheSameVelocity() {
        AnalyticGaussianModel heavy = AnalyticGaussianModel.builder().optSampleShape(1, 4, 4).optNumClasses(3).optStd(0.4f)
                .optCostPerRowMicros(50).optCostPerCallMicros(100).build();
        float[] x = gaussian(new Random(5), 32);
        float[] a = new float[32];
        float[] b = new float[32];
        heavy.velocity(2, x, new float[] {0.1f, 0.9f}, new int[] {0, -1}, a);
        model.velocity(2, x, new float[] {0.1f, 0.9f}, new int[] {0, -1}, b);
        assertThat(a).containsExactly(b);
    }

    private static float[] gaussian(Random rnd, int n) {
        float[] f = new float[n];
        for (int i = 0; i < n; i++) f[i] = (float) rnd.nextGaussian();
        return f;
    }
}
