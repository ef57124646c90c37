package dev.flowline.sampling;

/**
 * Time grids as plain data: {@code double[]} from exactly 0 (noise) to exactly 1 (data), strictly increasing.
 * A grid of {@code K} steps has {@code K + 1} points.
 */
public final class TimeGrids {

    private TimeGrids() {
    }

    /** {@code t_i = i / steps}. */
    public static double[] uniform(int steps) {
        requireSteps(steps);
        double[] t = new double[steps + 1];
        for (int i = 0; i <= steps; i++) t[i] = (double) i / steps;
        t[steps] = 1.0;
        return t;
    }

    /**
     * The uniform grid warped on the noise level {@code σ = 1 - t}: {@code σ' = s·σ / (1 + (s-1)·σ)}.
     * For {@code s > 1} the points move towards t = 0, spending more steps at high noise; {@code s < 1} moves them
     * towards the data end; {@code s = 1} is uniform. The map is increasing in σ for every s > 0, so the grid stays
     * strictly increasing, and it fixes both ends.
     */
    public static double[] shifted(int steps, double shift) {
        checkShift(shift);
        double[] t = uniform(steps);
        for (int i = 1; i < steps; i++) {
            double sigma = 1 - t[i];
            t[i] = 1 - shift * sigma / (1 + (shift - 1) * sigma);
        }
        return t;
    }

    /**
     * Checks a grid given by a user or a model registry and returns a copy.
     *
     * @param field the configuration field to blame, e.g. {@code "times"} or {@code "schedule"}
     * @throws InvalidSamplerException unless the grid has at least two points, all finite, starting at exactly 0,
     *                                 ending at exactly 1 and strictly increasing
     */
    public static double[] validated(double[] times, String field) {
        if (times == null || times.length < 2) {
            throw new InvalidSamplerException(field, "a time grid needs at least 2 points (0 and 1)");
        }
        for (int i = 0; i < times.length; i++) {
            if (!Double.isFinite(times[i])) {
                throw new InvalidSamplerException(field, "time " + i + " is not finite (" + times[i] + ")");
            }
            if (i > 0 && !(times[i] > times[i - 1])) {
                throw new InvalidSamplerException(field, "times must be strictly increasing, but time " + i + " ("
                        + times[i] + ") does not exceed time " + (i - 1) + " (" + times[i - 1] + ")");
            }
        }
        if (times[0] != 0.0 || times[times.length - 1] != 1.0) {
            throw new InvalidSamplerException(field, "times must run from exactly 0 (noise) to exactly 1 (data), got "
                    + times[0] + " .. " + times[times.length - 1]);
        }
        return times.clone();
    }

    static void checkShift(double shift) {
        if (!(shift > 0) || !Double.isFinite(shift)) {
            throw new InvalidSamplerException("scheduleParams.shift", "must be a finite number > 0, got " + shift);
        }
    }

    private static void requireSteps(int steps) {
        if (steps < 1) throw new InvalidSamplerException("steps", "must be >= 1, got " + steps);
    }
}
