package dev.flowline.bench;

import dev.flowline.model.AnalyticGaussianModel;

import java.util.List;

/**
 * The exact evaluator of an {@link AnalyticGaussianModel}: features are the sample itself and the predicted class is
 * the nearest class mean. Its reference statistics are known in closed form ({@link #referenceStats}), so quality
 * runs on the analytic model need no files.
 */
public final class AnalyticClassifier implements FeatureClassifier {
    private final float[][] means;

    public AnalyticClassifier(AnalyticGaussianModel model) {
        int classes = Math.max(1, model.info().numClasses());
        this.means = new float[classes][];
        for (int c = 0; c < classes; c++) means[c] = model.mean(model.info().numClasses() == 0 ? -1 : c);
    }

    /**
     * Mean and covariance of the data with every class equally likely: the mixture of N(μ_c, s²I), whose mean is
     * the average μ̄ and whose covariance is s²I + (1/C)·Σ (μ_c − μ̄)(μ_c − μ̄)ᵀ.
     */
    public static GaussianStats referenceStats(AnalyticGaussianModel model) {
        AnalyticClassifier c = new AnalyticClassifier(model);
        int classes = c.means.length;
        int dim = model.info().dim();
        double[] mean = new double[dim];
        for (float[] mu : c.means) for (int i = 0; i < dim; i++) mean[i] += mu[i] / (double) classes;
        double s2 = (double) model.std() * model.std();
        double[][] cov = new double[dim][dim];
        for (float[] mu : c.means) {
            for (int i = 0; i < dim; i++) {
                for (int j = 0; j < dim; j++) cov[i][j] += (mu[i] - mean[i]) * (mu[j] - mean[j]) / classes;
            }
        }
        for (int i = 0; i < dim; i++) cov[i][i] += s2;
        return new GaussianStats(0, mean, cov);
    }

    @Override
    public Classified classify(List<float[]> samples) {
        double[][] features = new double[samples.size()][];
        int[] predicted = new int[samples.size()];
        for (int n = 0; n < samples.size(); n++) {
            float[] s = samples.get(n);
            double[] f = new double[s.length];
            for (int i = 0; i < s.length; i++) f[i] = s[i];
            features[n] = f;
            int best = 0;
            double bestDistance = Double.POSITIVE_INFINITY;
            for (int c = 0; c < means.length; c++) {
                double d = 0;
                for (int i = 0; i < s.length; i++) {
                    double e = s[i] - means[c][i];
                    d += e * e;
                }
                if (d < bestDistance) {
                    bestDistance = d;
                    best = c;
                }
            }
            predicted[n] = best;
        }
        return new Classified(features, predicted);
    }

    @Override
    public String describe() {
        return "analytic (features = the sample, class = nearest class mean)";
    }

    @Override
    public void close() {
        // Nothing to release.
    }
}
