package dev.flowline.batching;

import dev.flowline.model.ModelInfo;
import dev.flowline.model.VelocityModel;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.IntConsumer;

/**
 * A test velocity model with a closed-form field, computed row by row (so a row's velocity is bit-identical
 * whatever batch it rides in), that records its calls and can be told to fail.
 */
final class AnalyticModel implements VelocityModel {
    private final ModelInfo info;
    private final int dim;
    /** Rows of every call, in order. */
    final List<Integer> callRows = new CopyOnWriteArrayList<>();
    /** Labels of every call's rows, in order. */
    final List<int[]> callLabels = new CopyOnWriteArrayList<>();
    private volatile int throwOnLabel = Integer.MIN_VALUE;
    private volatile int nanOnLabel = Integer.MIN_VALUE;
    private volatile IntConsumer beforeCall = rows -> {};

    AnalyticModel(String name, int... shape) {
        this.info = new ModelInfo(name, "1", "scheduler test field", shape, ModelInfo.ValueRange.SYMMETRIC_UNIT, 10, 10,
                List.of(), Optional.empty(), ModelInfo.SamplerDefaults.DEFAULT, Map.of(), ModelInfo.DEFAULT_BATCH_SIZE_HINT);
        this.dim = info.dim();
    }

    AnalyticModel throwingOnLabel(int label) {
        throwOnLabel = label;
        return this;
    }

    AnalyticModel nanOnLabel(int label) {
        nanOnLabel = label;
        return this;
    }

    /** Runs on the device thread before each call, with the call's rows (e.g. to block it). */
    AnalyticModel beforeCall(IntConsumer hook) {
        beforeCall = hook;
        return this;
    }

    int calls() {
        return callRows.size();
    }

    @Override
    public ModelInfo info() {
        return info;
    }

    @Override
    public void velocity(int rows, float[] x, float[] t, int[] labels, float[] out) {
        beforeCall.accept(rows);
        callRows.add(rows);
        int[] l = java.util.Arrays.copyOf(labels, rows);
        callLabels.add(l);
        for (int r = 0; r < rows; r++) {
            if (labels[r] == throwOnLabel) throw new IllegalStateException("boom on label " + labels[r]);
        }
        for (int r = 0; r < rows; r++) field(dim, x, t[r], labels[r], out, r * dim);
        for (int r = 0; r < rows; r++) {
            if (labels[r] == nanOnLabel) out[r * dim + dim / 2] = Float.NaN;
        }
    }

    /** v(x, t, c)_j = (mu_c,j - x_j) (0.5 + t) + 0.01 j t, with mu of the null class 0. */
    static void field(int dim, float[] x, float t, int label, float[] out, int at) {
        for (int j = 0; j < dim; j++) {
            float mu = label < 0 ? 0f : (label + 1) * 0.25f - j * 0.01f;
            out[at + j] = (mu - x[at + j]) * (0.5f + t) + 0.01f * j * t;
        }
    }

    /** The same field as a plain function, for running samples alone. */
    static dev.flowline.sampling.VelocityField field(int dim) {
        return (rows, x, t, labels, out) -> {
            for (int r = 0; r < rows; r++) field(dim, x, t[r], labels[r], out, r * dim);
        };
    }

    @Override
    public void close() {}
}
