package dev.flowline.sampling;

/**
 * One sample's solver state, as the step-level scheduler sees it: "what do you need evaluated next?" and
 * "here is the velocity". The scheduler batches rows of many samples (different solvers, grids, guidance)
 * into one model call without knowing any solver.
 */
public interface SampleState {
    /** Rows the next evaluation needs: 1, or 2 for a guided evaluation (conditional row first, then unconditional), 0 when finished. */
    int rowsNeeded();

    /** Writes the next evaluation's rows starting at row {@code row}: x into x[row*dim ...], t into t[row], labels into labels[row]. */
    void writeRows(float[] x, float[] t, int[] labels, int row);

    /** Takes the velocities for the rows written by the last writeRows, read from v starting at row {@code row}. */
    void acceptRows(float[] v, int row);

    boolean isFinished();

    /** Evaluations done so far; a guided evaluation (2 rows) counts once. */
    int nfe();

    int stepsDone();

    /** Planned steps (for adaptive solvers an estimate; used for progress only). */
    int totalSteps();

    /** Current t of the sample's state. */
    double time();

    /** The sample at t=1 (or where an NFE cap stopped it) once finished. */
    float[] result();
}
