package dev.flowline.batching;

import dev.flowline.sampling.SampleState;
import dev.flowline.sampling.VelocityField;

import java.util.SplittableRandom;

/**
 * A test solver state: Euler or Heun over a uniform grid, with optional classifier-free guidance (two rows) that may
 * apply only before a time. Strict: writing twice without a velocity, or a velocity without a write, throws, so
 * a scheduler that loses or duplicates a row fails loudly.
 */
final class TestSample implements SampleState {
    enum Method { EULER, HEUN }

    private final int dim;
    private final Method method;
    private final int steps;
    private final int label;
    private final float guidance;
    private final double guidedBefore;
    private final float[] x;
    private final float[] v1;
    private final float[] point;
    private final float[] vel;
    private int step;
    private int stage;
    private int nfe;
    private int pendingRows;
    /** Rows written and velocities taken, for loss/duplication checks. */
    int rowsWritten;
    int accepts;

    TestSample(int dim, long seed, Method method, int steps, int label, float guidance, double guidedBefore) {
        this.dim = dim;
        this.method = method;
        this.steps = steps;
        this.label = label;
        this.guidance = guidance;
        this.guidedBefore = guidedBefore;
        this.x = new float[dim];
        this.v1 = new float[dim];
        this.point = new float[dim];
        this.vel = new float[dim];
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < dim; i++) x[i] = (float) r.nextGaussian();
    }

    static TestSample euler(int dim, long seed, int steps) {
        return new TestSample(dim, seed, Method.EULER, steps, 3, 0f, 0);
    }

    static TestSample guidedHeun(int dim, long seed, int steps, int label, float w) {
        return new TestSample(dim, seed, Method.HEUN, steps, label, w, 1.0);
    }

    /** The same sample, from the start. */
    TestSample fresh(long seed) {
        return new TestSample(dim, seed, method, steps, label, guidance, guidedBefore);
    }

    private double h() {
        return 1.0 / steps;
    }

    private boolean guidedNow() {
        return guidance != 0f && time() < guidedBefore;
    }

    @Override
    public int rowsNeeded() {
        if (isFinished()) return 0;
        return guidedNow() ? 2 : 1;
    }

    @Override
    public void writeRows(float[] xs, float[] ts, int[] labels, int row) {
        if (pendingRows != 0) throw new IllegalStateException("rows written twice without a velocity");
        if (isFinished()) throw new IllegalStateException("finished sample asked for rows");
        float tt = (float) (stage == 0 ? time() : time() + h());
        float[] src = x;
        if (stage == 1) {
            for (int j = 0; j < dim; j++) point[j] = x[j] + (float) h() * v1[j];
            src = point;
        }
        int rows = rowsNeeded();
        for (int k = 0; k < rows; k++) {
            System.arraycopy(src, 0, xs, (row + k) * dim, dim);
            ts[row + k] = tt;
            labels[row + k] = k == 0 ? label : VelocityField.NO_LABEL;
        }
        pendingRows = rows;
        rowsWritten += rows;
    }

    @Override
    public void acceptRows(float[] v, int row) {
        if (pendingRows == 0) throw new IllegalStateException("velocity without rows written");
        int base = row * dim;
        for (int j = 0; j < dim; j++) {
            float vc = v[base + j];
            vel[j] = pendingRows == 2 ? v[base + dim + j] + guidance * (vc - v[base + dim + j]) : vc;
        }
        pendingRows = 0;
        nfe++;
        accepts++;
        float hf = (float) h();
        if (method == Method.EULER) {
            for (int j = 0; j < dim; j++) x[j] += hf * vel[j];
            step++;
        } else if (stage == 0) {
            System.arraycopy(vel, 0, v1, 0, dim);
            stage = 1;
        } else {
            for (int j = 0; j < dim; j++) x[j] += 0.5f * hf * (v1[j] + vel[j]);
            step++;
            stage = 0;
        }
    }

    @Override
    public boolean isFinished() {
        return step >= steps;
    }

    @Override
    public int nfe() {
        return nfe;
    }

    @Override
    public int stepsDone() {
        return step;
    }

    @Override
    public int totalSteps() {
        return steps;
    }

    @Override
    public double time() {
        return (double) step / steps;
    }

    @Override
    public float[] result() {
        return x.clone();
    }

    /** Rows written whose velocity has not come back (0 between calls, whatever happened). */
    int pendingRows() {
        return pendingRows;
    }

    /** Evaluations a full run takes. */
    int expectedNfe() {
        return method == Method.HEUN ? 2 * steps : steps;
    }

    /** Integrates this sample alone, one evaluation per model call, and returns the result. */
    static float[] runAlone(SampleState s, VelocityField field, int dim) {
        float[] xs = new float[2 * dim];
        float[] out = new float[2 * dim];
        float[] ts = new float[2];
        int[] labels = new int[2];
        while (!s.isFinished()) {
            int rows = s.rowsNeeded();
            s.writeRows(xs, ts, labels, 0);
            field.velocity(rows, xs, ts, labels, out);
            s.acceptRows(out, 0);
        }
        return s.result();
    }
}
