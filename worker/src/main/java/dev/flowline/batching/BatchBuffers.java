package dev.flowline.batching;

import dev.flowline.sampling.VelocityField;

import java.util.Arrays;

/**
 * The preallocated, reused model input and output of one compatibility group: samples write their rows straight
 * into {@link #x}, {@link #t} and {@link #labels}, and read their velocities straight out of {@link #out}, so each
 * model call is one contiguous copy in and one out, with no per-call allocation.
 */
final class BatchBuffers {
    final int dim;
    final float[] x;
    final float[] out;
    final float[] t;
    /** Target times of flow-map models (u(x, t, r)); r = t for ordinary solvers. */
    final float[] r;
    final int[] labels;

    BatchBuffers(int maxRows, int dim) {
        this.dim = dim;
        this.x = new float[Math.multiplyExact(maxRows, dim)];
        this.out = new float[x.length];
        this.t = new float[maxRows];
        this.r = new float[maxRows];
        this.labels = new int[maxRows];
    }

    /** Whether every float of output rows [row, row + rows) is finite. */
    boolean outputFinite(int row, int rows) {
        float[] o = out;
        for (int i = row * dim, end = (row + rows) * dim; i < end; i++) {
            if (!Float.isFinite(o[i])) return false;
        }
        return true;
    }

    /** Gives rows whose sample failed to write a defined value, so the rest of the call still runs. */
    void blankRows(int row, int rows) {
        Arrays.fill(x, row * dim, (row + rows) * dim, 0f);
        Arrays.fill(t, row, row + rows, 0f);
        Arrays.fill(r, row, row + rows, 0f);
        Arrays.fill(labels, row, row + rows, VelocityField.NO_LABEL);
    }
}
