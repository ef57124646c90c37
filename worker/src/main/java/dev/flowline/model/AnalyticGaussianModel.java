package dev.flowline.model;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A closed-form velocity field with a known answer, for tests and benchmarks: no engine, no weights.
 *
 * <p>Data of class c is N(μ_c, s²I); noise is N(0, I); the path is linear, x_t = (1−t)·x0 + t·x1. Per coordinate,
 * x_t ~ N(tμ, σ_t²) with σ_t² = (1−t)² + t²s², and the exact flow-matching velocity E[x1 − x0 | x_t = x] is
 * <pre>
 *   v(x, t) = μ + (t·s² − (1−t)) / σ_t² · (x − t·μ)
 * </pre>
 * (the regression of x1 − x0 on x_t: Cov(x1 − x0, x_t) = t·s² − (1−t)). Its ODE moves noise x0 along
 * {@link #transport x_t = t·μ + σ_t·x0}, so integrating from t = 0 to 1 yields exactly N(μ_c, s²I).
 *
 * <p>Class means are a fixed deterministic pattern per class. The unconditional label -1 is its own "null class"
 * with mean 0 (not the mixture of the classes, whose velocity has no simple closed form); an unconditional model
 * (numClasses 0) uses the pattern of class 0 for every row.
 *
 * <p>As a flow map ({@link Builder#optFlowMap}) it also answers the exact average velocity
 * {@code u(x, t, r) = (x_r − x) / (r − t)} along that trajectory, with x_r = r·μ + σ_r·(x − t·μ) / σ_t, so the
 * {@code flowmap} solver is exact at any step count.
 *
 * <p>{@code costPerRowMicros} and {@code costPerCallMicros} emulate a heavier network by busy-spinning (it occupies
 * the calling thread and a core, as a real forward would; sleeping would not). Thread-safe and stateless.
 */
public final class AnalyticGaussianModel implements VelocityModel {
    private final ModelInfo info;
    private final float std;
    private final float[][] means; // [numClasses or 1][dim]
    private final long costPerRowNanos;
    private final long costPerCallNanos;

    private AnalyticGaussianModel(Builder b) {
        int classes = b.numClasses;
        this.info = new ModelInfo(b.name, "1", "closed-form Gaussian flow, std " + b.std, b.sampleShape,
                ModelInfo.ValueRange.SYMMETRIC_UNIT, classes, classes > 0 ? classes : ModelInfo.NO_NULL_CLASS,
                List.of(), Optional.empty(), ModelInfo.SamplerDefaults.DEFAULT, b.schedules, ModelInfo.DEFAULT_BATCH_SIZE_HINT,
                b.bespoke, b.flowMap);
        this.std = b.std;
        int dim = info.dim();
        this.means = new float[Math.max(1, classes)][dim];
        for (int c = 0; c < means.length; c++) {
            for (int i = 0; i < dim; i++) means[c][i] = (float) (0.6 * Math.sin(0.9 * (c + 1) * (i + 1) + c));
        }
        this.costPerRowNanos = b.costPerRowMicros * 1000L;
        this.costPerCallNanos = b.costPerCallMicros * 1000L;
    }

    /** A builder; every setting is optional. */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public ModelInfo info() {
        return info;
    }

    /** The data standard deviation s. */
    public float std() {
        return std;
    }

    /** The data mean μ for a Flowline label (-1: the null class, mean 0). */
    public float[] mean(int label) {
        return meanRef(label).clone();
    }

    private float[] meanRef(int label) {
        if (info.numClasses() == 0) return means[0];
        if (label == -1) return new float[info.dim()];
        if (label < 0 || label >= info.numClasses()) {
            throw new ModelException(info.name(), "label " + label + " outside -1.." + (info.numClasses() - 1));
        }
        return means[label];
    }

    /** The exact solution of the ODE started at noise {@code x0}: x_t = t·μ + σ_t·x0. */
    public float[] transport(float[] x0, int label, double t) {
        float[] mu = meanRef(label);
        double sigma = Math.sqrt((1 - t) * (1 - t) + t * t * std * std);
        float[] out = new float[x0.length];
        for (int i = 0; i < x0.length; i++) out[i] = (float) (t * mu[i] + sigma * x0[i]);
        return out;
    }

    @Override
    public void velocity(int rows, float[] x, float[] t, float[] r, int[] labels, float[] out) {
        if (!info.flowMap()) {
            velocity(rows, x, t, labels, out);
            return;
        }
        int dim = info.dim();
        double s2 = (double) std * std;
        boolean conditional = info.numClasses() > 0;
        for (int row = 0; row < rows; row++) {
            double t0 = t[row], t1 = r[row];
            float[] mu = meanRef(conditional ? labels[row] : -1);
            int base = row * dim;
            if (t1 == t0) {
                instantaneous(x, base, t0, mu, s2, out);
                continue;
            }
            double sigma0 = Math.sqrt((1 - t0) * (1 - t0) + t0 * t0 * s2);
            double sigma1 = Math.sqrt((1 - t1) * (1 - t1) + t1 * t1 * s2);
            for (int i = 0; i < dim; i++) {
                double noise = (x[base + i] - t0 * mu[i]) / sigma0;
                double x1 = t1 * mu[i] + sigma1 * noise;
                out[base + i] = (float) ((x1 - x[base + i]) / (t1 - t0));
            }
        }
    }

    @Override
    public void velocity(int rows, float[] x, float[] t, int[] labels, float[] out) {
        long deadline = costPerCallNanos + costPerRowNanos * rows > 0
                ? System.nanoTime() + costPerCallNanos + costPerRowNanos * rows : 0;
        int dim = info.dim();
        double s2 = (double) std * std;
        boolean conditional = info.numClasses() > 0;
        for (int r = 0; r < rows; r++) {
            instantaneous(x, r * dim, t[r], meanRef(conditional ? labels[r] : -1), s2, out);
        }
        if (deadline != 0) {
            while (System.nanoTime() - deadline < 0) Thread.onSpinWait();
        }
    }

    /** The exact velocity v(x, t) of one row starting at {@code base}, written to {@code out} at the same place. */
    private void instantaneous(float[] x, int base, double t, float[] mu, double s2, float[] out) {
        double sigma2 = (1 - t) * (1 - t) + t * t * s2;
        double a = (t * s2 - (1 - t)) / sigma2;
        for (int i = 0; i < mu.length; i++) {
            out[base + i] = (float) (mu[i] + a * (x[base + i] - t * mu[i]));
        }
    }

    @Override
    public void close() {
        // Nothing native to release.
    }

    /** Settings of an {@link AnalyticGaussianModel}; all optional. */
    public static final class Builder {
        private String name = "analytic-gaussian";
        private int[] sampleShape = {1, 4, 4};
        private int numClasses = 10;
        private float std = 0.5f;
        private long costPerRowMicros;
        private long costPerCallMicros;
        private boolean flowMap;
        private Map<String, List<Double>> schedules = Map.of();
        private List<dev.flowline.sampling.BespokeSolver> bespoke = List.of();

        private Builder() {}

        /** Named time grids the model "ships", as a manifest's schedules; default none. */
        public Builder optSchedules(Map<String, List<Double>> schedules) {
            this.schedules = Map.copyOf(schedules);
            return this;
        }

        /** Learned solvers the model "ships", as a manifest's solvers; default none. */
        public Builder optBespokeSolvers(List<dev.flowline.sampling.BespokeSolver> solvers) {
            this.bespoke = List.copyOf(solvers);
            return this;
        }

        /** Whether the model is a flow map answering the exact average velocity u(x, t, r); default false. */
        public Builder optFlowMap(boolean flowMap) {
            this.flowMap = flowMap;
            return this;
        }

        /** Registry name; default "analytic-gaussian". */
        public Builder optName(String name) {
            this.name = name;
            return this;
        }

        /** Sample shape; default [1, 4, 4]. */
        public Builder optSampleShape(int... shape) {
            this.sampleShape = shape.clone();
            return this;
        }

        /** Number of classes (0: unconditional); default 10. With classes, label -1 is the null class. */
        public Builder optNumClasses(int numClasses) {
            this.numClasses = numClasses;
            return this;
        }

        /** Data standard deviation s, positive; default 0.5. */
        public Builder optStd(float std) {
            this.std = std;
            return this;
        }

        /** Busy-spin per row to emulate a heavier network; default 0. */
        public Builder optCostPerRowMicros(long micros) {
            this.costPerRowMicros = micros;
            return this;
        }

        /** Busy-spin per call (a fixed launch overhead, which batching amortises); default 0. */
        public Builder optCostPerCallMicros(long micros) {
            this.costPerCallMicros = micros;
            return this;
        }

        public AnalyticGaussianModel build() {
            if (!(std > 0) || !Float.isFinite(std)) throw new IllegalArgumentException("std must be positive and finite, got " + std);
            if (numClasses < 0) throw new IllegalArgumentException("numClasses must be >= 0, got " + numClasses);
            if (costPerRowMicros < 0 || costPerCallMicros < 0) throw new IllegalArgumentException("costs must be >= 0");
            return new AnalyticGaussianModel(this);
        }
    }
}
