package dev.flowline.sampling;

/**
 * Classifier-free guidance folded into a field, for offline tools that want the guided velocity of a labelled row as
 * one row ({@link BossOptimizer} optimising a grid for the guidance it will serve): each labelled row becomes a
 * conditional and an unconditional row of one call, combined in double as the sample states do,
 * {@code v = v_u + w·(v_c − v_u)}. Unlabelled rows stay single. Not thread-safe (reuses its buffers).
 */
public final class GuidedField implements VelocityField {
    private final VelocityField field;
    private final int dim;
    private final double w;
    private float[] x2 = new float[0], t2 = new float[0], v2 = new float[0];
    private int[] labels2 = new int[0];

    public GuidedField(VelocityField field, int dim, double guidanceScale) {
        InvalidSamplerException.requireFiniteNonNegative("guidanceScale", guidanceScale);
        this.field = field;
        this.dim = dim;
        this.w = guidanceScale;
    }

    @Override
    public void velocity(int rows, float[] x, float[] t, int[] labels, float[] out) {
        if (w == 1.0) {
            field.velocity(rows, x, t, labels, out);
            return;
        }
        if (t2.length < 2 * rows) {
            x2 = new float[2 * rows * dim];
            v2 = new float[2 * rows * dim];
            t2 = new float[2 * rows];
            labels2 = new int[2 * rows];
        }
        int n = 0;
        for (int r = 0; r < rows; r++) {
            System.arraycopy(x, r * dim, x2, n * dim, dim);
            t2[n] = t[r];
            labels2[n++] = labels[r];
            if (labels[r] != NO_LABEL) {
                System.arraycopy(x, r * dim, x2, n * dim, dim);
                t2[n] = t[r];
                labels2[n++] = NO_LABEL;
            }
        }
        field.velocity(n, x2, t2, labels2, v2);
        n = 0;
        for (int r = 0; r < rows; r++) {
            int c = n++ * dim;
            if (labels[r] == NO_LABEL) {
                System.arraycopy(v2, c, out, r * dim, dim);
                continue;
            }
            int u = n++ * dim;
            for (int d = 0; d < dim; d++) {
                double vu = v2[u + d];
                out[r * dim + d] = (float) (vu + w * (v2[c + d] - vu));
            }
        }
    }
}
