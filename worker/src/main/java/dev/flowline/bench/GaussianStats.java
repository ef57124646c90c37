package dev.flowline.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Mean and covariance of a set of feature vectors: the summary the Fréchet distance compares.
 *
 * @param n    how many vectors the statistics were taken over (0 when they are exact, not estimated)
 * @param mean the mean, of length dim
 * @param cov  the dim × dim covariance (unbiased, divided by n − 1, as numpy's {@code np.cov})
 */
public record GaussianStats(long n, double[] mean, double[][] cov) {

    public GaussianStats {
        int dim = mean.length;
        if (dim == 0) throw new IllegalArgumentException("statistics of dimension 0");
        if (cov.length != dim) throw new IllegalArgumentException("covariance has " + cov.length + " rows for dimension " + dim);
        for (int i = 0; i < dim; i++) {
            if (cov[i].length != dim) throw new IllegalArgumentException("covariance row " + i + " has " + cov[i].length + " entries, expected " + dim);
        }
        mean = mean.clone();
        double[][] c = new double[dim][];
        for (int i = 0; i < dim; i++) c[i] = cov[i].clone();
        cov = c;
    }

    public int dim() {
        return mean.length;
    }

    /** Sample mean and unbiased covariance of {@code features} (rows are vectors; at least two). */
    public static GaussianStats of(double[][] features) {
        int n = features.length;
        if (n < 2) throw new IllegalArgumentException("need at least 2 feature vectors for a covariance, got " + n);
        int dim = features[0].length;
        double[] mean = new double[dim];
        for (double[] f : features) {
            if (f.length != dim) throw new IllegalArgumentException("feature vectors of lengths " + dim + " and " + f.length);
            for (int i = 0; i < dim; i++) mean[i] += f[i];
        }
        for (int i = 0; i < dim; i++) mean[i] /= n;
        double[][] cov = new double[dim][dim];
        double[] d = new double[dim];
        for (double[] f : features) {
            for (int i = 0; i < dim; i++) d[i] = f[i] - mean[i];
            for (int i = 0; i < dim; i++) {
                double di = d[i];
                double[] row = cov[i];
                for (int j = i; j < dim; j++) row[j] += di * d[j];
            }
        }
        for (int i = 0; i < dim; i++) {
            for (int j = i; j < dim; j++) {
                cov[i][j] /= n - 1;
                cov[j][i] = cov[i][j];
            }
        }
        return new GaussianStats(n, mean, cov);
    }

    /**
     * Reads a reference statistics file {@code {"n": N, "dim": D, "mean": [D], "cov": [[D] × D]}} (other keys are
     * ignored), as the demo model's trainer writes {@code fashion-mnist-test-features.json}.
     */
    public static GaussianStats read(Path file) throws IOException {
        JsonNode root = new ObjectMapper().readTree(file.toFile());
        String where = "reference features " + file + ": ";
        if (root == null || !root.has("mean") || !root.has("cov")) throw new IOException(where + "needs keys mean and cov");
        double[] mean = doubles(root.get("mean"), where + "mean");
        JsonNode covNode = root.get("cov");
        if (!covNode.isArray()) throw new IOException(where + "cov must be an array of rows");
        double[][] cov = new double[covNode.size()][];
        for (int i = 0; i < cov.length; i++) cov[i] = doubles(covNode.get(i), where + "cov[" + i + "]");
        if (root.has("dim") && root.get("dim").asInt() != mean.length) {
            throw new IOException(where + "dim " + root.get("dim").asInt() + " but the mean has " + mean.length + " entries");
        }
        try {
            return new GaussianStats(root.path("n").asLong(0), mean, cov);
        } catch (IllegalArgumentException e) {
            throw new IOException(where + e.getMessage(), e);
        }
    }

    private static double[] doubles(JsonNode a, String what) throws IOException {
        if (a == null || !a.isArray()) throw new IOException(what + " must be an array of numbers");
        double[] out = new double[a.size()];
        for (int i = 0; i < out.length; i++) {
            if (!a.get(i).isNumber()) throw new IOException(what + "[" + i + "] is not a number");
            out[i] = a.get(i).asDouble();
        }
        return out;
    }
}
