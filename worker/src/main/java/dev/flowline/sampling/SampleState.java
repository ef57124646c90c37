package dev.flowline.sampling;

/**
 * One sample being integrated, as the step-level batching scheduler sees it: a machine that asks for one velocity
 * evaluation at a time and takes the answer. It hides the solver, the grid, guidance and noise, so the scheduler
 * can stack rows of many samples with different samplers into one model call.
 *
 * <p>Per evaluation: {@link #rowsNeeded()} rows are written by {@link #writeRows} at a row offset of the
 * scheduler's choosing, the model is called, and {@link #acceptRows} reads the velocities at the same offset.
 * Rows are float32 in the model's layout; the state itself is kept in float64 (see {@link Sampler}).
 * Implementations are not thread-safe; one scheduler thread drives a sample.
 */
public interface SampleState {

    /** Rows the next evaluation needs: 1, or 2 for a guided evaluation (conditional row first, then unconditional), 0 when finished. */
    int rowsNeeded();

    /** Writes the next evaluation's rows starting at row {@code row}: x into x[row*dim ...], t into t[row], labels into labels[row]. */
    void writeRows(float[] x, float[] t, int[] labels, int row);

    /**
     * Writes the target time r of the rows the last writeRows wrote, starting at row {@code row}: where a flow-map
     * model's average velocity u(x, t, r) should take the sample; r = t (the instantaneous velocity) for ordinary
     * solvers. Models without an r input ignore it; this default writes nothing, for states used with such models only.
     */
    default void writeTargetTimes(float[] r, int row) {
    }

    /**
     * Writes the conditioning vector of the rows the last writeRows wrote ({@code dim} floats each, from row
     * {@code row}), for vector-conditioned models; the model substitutes its null vector for rows labelled
     * {@link VelocityField#NO_LABEL}. This default writes nothing, for states without a vector.
     */
    default void writeVectors(float[] vectors, int dim, int row) {
    }

    /** Takes the velocities for the rows written by the last writeRows, read from v starting at row {@code row}. */
    void acceptRows(float[] v, int row);

    boolean isFinished();

    /** Evaluations done so far; a guided evaluation (2 rows) counts once. */
    int nfe();

    int stepsDone();

    /** Planned steps (for adaptive solvers an estimate; progress only). */
    int totalSteps();

    /** Current t of the sample's state. */
    double time();

    /** The sample at t=1 (or where the NFE cap stopped it) once finished; a fresh copy on every call. */
    float[] result();

    /**
     * The current estimate of the final sample, x̂₁ = x + (1 − t)·v: the current state x at {@link #time()} moved along
     * the last evaluation's flow velocity v (guidance applied, without the SDE drift) to t = 1. For previews only; a
     * fresh array, or null before the first evaluation or for states that keep no velocity (this default).
     */
    default float[] finalEstimate() {
        return null;
    }
}
