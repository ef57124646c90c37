package dev.flowline.sampling;

/**
 * The {@link SampleState} of every sampler: a {@link Stepper} (the solver), plus classifier-free guidance
 * and the optional SDE drift applied to each evaluation's velocity.
 *
 * <p>Guidance: at an evaluation time inside the interval, with a label and {@code w ≠ 1}, two rows are
 * evaluated and combined in double precision as {@code v = v_u + w·(v_c - v_u)}. Otherwise one row: the
 * conditional one, except that {@code w = 0} inside the interval needs only the unconditional row (the formula
 * reduces to v_u), and a sample without label is unconditional throughout.
 */
final class FlowSampleState implements SampleState {

    private final Stepper stepper;
    private final int dim;
    private final int label;
    private final double guidanceScale;
    private final GuidanceInterval interval;
    private final MarginalPreservingSde sde;
    /** The job's conditioning vector (vector-conditioned models), or null. */
    private final float[] vector;
    /** The combined velocity handed to the stepper; reused on every evaluation. */
    private final double[] velocity;
    /** With an SDE: the last velocity before its drift was added (the flow's, which the final estimate follows). */
    private final double[] flowVelocity;
    /** Rows written by the last writeRows and not yet accepted; 0 when none. */
    private int pendingRows;
    private int nfe;

    FlowSampleState(Stepper stepper, int dim, int label, double guidanceScale, GuidanceInterval interval,
                    MarginalPreservingSde sde) {
        this(stepper, dim, label, guidanceScale, interval, sde, null);
    }

    /** {@code vector}: the conditioning vector of every conditional row (label ≥ 0); null for none. Not copied. */
    FlowSampleState(Stepper stepper, int dim, int label, double guidanceScale, GuidanceInterval interval,
                    MarginalPreservingSde sde, float[] vector) {
        this.vector = vector;
        if (stepper.state().length != dim) throw new IllegalArgumentException("stepper state is not of dim " + dim);
        this.stepper = stepper;
        this.dim = dim;
        this.label = label;
        this.guidanceScale = guidanceScale;
        this.interval = interval;
        this.sde = sde;
        this.velocity = new double[dim];
        this.flowVelocity = sde == null ? null : new double[dim];
    }

    @Override
    public int rowsNeeded() {
        return stepper.finished() ? 0 : guidedAt(stepper.evalTime()) ? 2 : 1;
    }

    private boolean guidedAt(double t) {
        return label != VelocityField.NO_LABEL && guidanceScale != 1 && guidanceScale != 0 && interval.contains(t);
    }

    /** The label of a single-row evaluation at t. */
    private int singleRowLabel(double t) {
        boolean unconditionalOnly = guidanceScale == 0 && interval.contains(t);
        return unconditionalOnly ? VelocityField.NO_LABEL : label;
    }

    @Override
    public void writeRows(float[] x, float[] t, int[] labels, int row) {
        if (stepper.finished()) throw new IllegalStateException("the sample is finished");
        double time = stepper.evalTime();
        double[] point = stepper.evalPoint();
        int rows = guidedAt(time) ? 2 : 1;
        int base = row * dim;
        for (int d = 0; d < dim; d++) x[base + d] = (float) point[d];
        t[row] = (float) time;
        if (rows == 2) {
            System.arraycopy(x, base, x, base + dim, dim);
            t[row + 1] = t[row];
            labels[row] = label;
            labels[row + 1] = VelocityField.NO_LABEL;
        } else {
            labels[row] = singleRowLabel(time);
        }
        pendingRows = rows;
    }

    @Override
    public void writeTargetTimes(float[] r, int row) {
        if (pendingRows == 0) throw new IllegalStateException("writeTargetTimes without a preceding writeRows");
        float target = (float) stepper.targetTime();
        for (int i = 0; i < pendingRows; i++) r[row + i] = target;
    }

    @Override
    public void writeVectors(float[] vectors, int dim, int row) {
        if (pendingRows == 0) throw new IllegalStateException("writeVectors without a preceding writeRows");
        if (vector == null) return;
        if (vector.length != dim) throw new IllegalStateException("the sample's vector has " + vector.length + " floats, the model takes " + dim);
        // every pending row gets it; the model swaps in its null vector for the unconditional (NO_LABEL) row
        for (int i = 0; i < pendingRows; i++) System.arraycopy(vector, 0, vectors, (row + i) * dim, dim);
    }

    @Override
    public void acceptRows(float[] v, int row) {
        if (pendingRows == 0) throw new IllegalStateException("acceptRows without a preceding writeRows");
        int base = row * dim;
        if (pendingRows == 1) {
            for (int d = 0; d < dim; d++) velocity[d] = v[base + d];
        } else {
            double w = guidanceScale;
            for (int d = 0; d < dim; d++) {
                double conditional = v[base + d];
                double unconditional = v[base + dim + d];
                velocity[d] = unconditional + w * (conditional - unconditional);
            }
        }
        if (sde != null) {
            System.arraycopy(velocity, 0, flowVelocity, 0, dim);
            sde.drift(stepper.evalTime(), stepper.evalPoint(), velocity);
        }
        pendingRows = 0;
        nfe++;
        stepper.accept(velocity);
    }

    @Override
    public boolean isFinished() {
        return stepper.finished();
    }

    @Override
    public int nfe() {
        return nfe;
    }

    @Override
    public int stepsDone() {
        return stepper.stepsDone();
    }

    @Override
    public int totalSteps() {
        return stepper.totalSteps();
    }

    @Override
    public double time() {
        return stepper.time();
    }

    @Override
    public float[] finalEstimate() {
        if (nfe == 0) return null;
        double[] v = flowVelocity != null ? flowVelocity : velocity;
        double[] x = stepper.state();
        double rest = 1.0 - stepper.time();
        float[] out = new float[dim];
        for (int d = 0; d < dim; d++) out[d] = (float) (x[d] + rest * v[d]);
        return out;
    }

    @Override
    public float[] result() {
        if (!stepper.finished()) throw new IllegalStateException("the sample is not finished (t = " + time() + ")");
        double[] state = stepper.state();
        float[] out = new float[dim];
        for (int d = 0; d < dim; d++) out[d] = (float) state[d];
        return out;
    }
}
