package dev.flowline.bench;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class FrechetDistanceTest {

    @Test
    void identicalDistributionsAreAtDistanceZero() {
        GaussianStats a = new GaussianStats(0, new double[] {0.3, -1, 2, 0.5, 0}, randomSpd(5, 1));
        assertThat(FrechetDistance.between(a, a)).isCloseTo(0.0, within(1e-9));
    }

    @Test
    void diagonalCovariancesMatchTheClosedForm() {
        // FD = |μ1 − μ2|² + Σ (√a_i − √b_i)² when both covariances are diagonal.
        double[] mu1 = {1, 2, 3}, mu2 = {0, 2, 5};
        double[] a = {4, 1, 0.25}, b = {1, 9, 0.25};
        double expected = 1 + 0 + 4 + (2 - 1) * (2 - 1) + (1 - 3) * (1 - 3) + 0;
        assertThat(FrechetDistance.between(new GaussianStats(0, mu1, diag(a)), new GaussianStats(0, mu2, diag(b))))
                .isCloseTo(expected, within(1e-9));
    }

    @Test
    void covariancesSharingEigenvectorsMatchTheClosedForm() {
        // Σ1 = R·diag(a)·Rᵀ and Σ2 = R·diag(b)·Rᵀ commute: Tr √(Σ1Σ2) = Σ √(a_i b_i), whatever the rotation R.
        double c = Math.cos(0.7), s = Math.sin(0.7);
        double[][] r = {{c, -s}, {s, c}};
        double[] a = {3, 0.5}, b = {1, 2};
        double expected = (Math.sqrt(3) - 1) * (Math.sqrt(3) - 1) + (Math.sqrt(0.5) - Math.sqrt(2)) * (Math.sqrt(0.5) - Math.sqrt(2));
        double fd = FrechetDistance.between(new GaussianStats(0, new double[2], rotate(r, a)), new GaussianStats(0, new double[2], rotate(r, b)));
        assertThat(fd).isCloseTo(expected, within(1e-9));
    }

    @Test
    void isSymmetricInItsArguments() {
        GaussianStats a = new GaussianStats(0, new double[] {1, 0, 0, 2}, randomSpd(4, 2));
        GaussianStats b = new GaussianStats(0, new double[] {0, 1, 0, 0}, randomSpd(4, 3));
        assertThat(FrechetDistance.between(a, b)).isCloseTo(FrechetDistance.between(b, a), within(1e-9));
    }

    @Test
    void statisticsOfFeaturesAreTheSampleMeanAndUnbiasedCovariance() {
        GaussianStats s = GaussianStats.of(new double[][] {{1, 2}, {3, 2}, {5, 8}});
        assertThat(s.mean()).containsExactly(3.0, 4.0);
        // Deviations (-2,-2), (0,-2), (2,4): Σ dx² = 8, Σ dx·dy = 12, Σ dy² = 24, over n − 1 = 2.
        assertThat(s.cov()[0]).containsExactly(4.0, 6.0);
        assertThat(s.cov()[1]).containsExactly(6.0, 12.0);
    }

    @Test
    void readsTheReferenceFeatureFileLayout(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("features.json");
        Files.writeString(f, "{\"n\": 10000, \"dim\": 2, \"source\": \"x\", \"mean\": [0.5, 1], \"cov\": [[1, 0.1], [0.1, 2]]}");
        GaussianStats s = GaussianStats.read(f);
        assertThat(s.n()).isEqualTo(10000);
        assertThat(s.mean()).containsExactly(0.5, 1.0);
        assertThat(s.cov()[1]).containsExactly(0.1, 2.0);
    }

    @Test
    void aFeatureFileWithAWrongShapeIsRefusedNamingTheFile(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("bad.json");
        Files.writeString(f, "{\"n\": 3, \"dim\": 2, \"mean\": [0.5, 1], \"cov\": [[1, 0.1]]}");
        assertThatThrownBy(() -> GaussianStats.read(f)).hasMessageContaining("bad.json").hasMessageContaining("covariance");
    }

    private static double[][] diag(double[] d) {
        double[][] m = new double[d.length][d.length];
        for (int i = 0; i < d.length; i++) m[i][i] = d[i];
        return m;
    }

    private static double[][] rotate(double[][] r, double[] d) {
        int n = d.length;
        double[][] m = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                for (int k = 0; k < n; k++) m[i][j] += r[i][k] * d[k] * r[j][k];
            }
        }
        return m;
    }

    /** A·Aᵀ + 0.1·I for a seeded random A: symmetric positive definite. */
    private static double[][] randomSpd(int n, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        double[][] a = new double[n][n];
        for (double[] row : a) for (int j = 0; j < n; j++) row[j] = random.nextDouble() * 2 - 1;
        double[][] m = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                for (int k = 0; k < n; k++) m[i][j] += a[i][k] * a[j][k];
            }
            m[i][i] += 0.1;
        }
        return m;
    }
}
