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
    /** Floats per conditioning vector of a vector-conditioned model; 0 for every other model. */
    final int vectorDim;
    /** Each row's conditioning vector (vector-conditioned models; empty otherwise). */
    final float[] vectors;

    BatchBuffers(int maxRows, int dim) {
        this(maxRows, dim, 0);
    }

    BatchBuffers(int maxRows, int dim, int vectorDim) {
        this.dim = dim;
        this.vectorDim = vectorDim;
        this.vectors = new float[Math.multiplyExact(maxRows, vectorDim)];
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
        if (vectorDim > 0) { // a conditional row of zeros: needs no null vector, which the model may not have
            Arrays.fill(vectors, row * vectorDim, (row + rows) * vectorDim, 0f);
            Arrays.fill(labels, row, row + rows, 0);
        }
    }
}
