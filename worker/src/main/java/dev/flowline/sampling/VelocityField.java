package dev.flowline.sampling;

/**
 * A batched velocity field v(x, t, c) of a flow-matching model, in Flowline's time convention:
 * t = 0 is noise, t = 1 is data.
 *
 * <p>Every argument is a contiguous row-major buffer so that a batch is one copy in and one copy out:
 * {@code x} and {@code out} hold {@code rows * dim} floats, {@code t} and {@code labels} hold {@code rows}
 * entries (only the first {@code rows} entries are read, so callers may reuse larger buffers).
 * A label of {@link #NO_LABEL} asks for the unconditional (null-class) velocity.
 */
@FunctionalInterface
public interface VelocityField {
    /** The label of an unconditional row (classifier-free guidance's null class). */
    int NO_LABEL = -1;

    void velocity(int rows, float[] x, float[] t, int[] labels, float[] out);

    /**
     * The same with each row's target time r, for flow-map models that predict the average velocity
     * u(x, t, r) = (x_r - x_t) / (r - t) (r = t is the instantaneous velocity v). An ordinary field ignores r.
     */
    default void velocity(int rows, float[] x, float[] t, float[] r, int[] labels, float[] out) {
        velocity(rows, x, t, labels, out);
    }
}
