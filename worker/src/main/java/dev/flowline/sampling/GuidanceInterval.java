package dev.flowline.sampling;

/**
 * The times {@code start ≤ t ≤ end} at which classifier-free guidance is applied; at other evaluation times only
 * the conditional row is evaluated (guidance in a limited interval, Kynkäänniemi et al. 2024). The test is made on
 * each evaluation's own time, stage times of Runge–Kutta methods included.
 */
public record GuidanceInterval(double start, double end) {

    /** Guidance at every time. */
    public static final GuidanceInterval ALWAYS = new GuidanceInterval(0, 1);

    public GuidanceInterval {
        if (!Double.isFinite(start) || !Double.isFinite(end) || start < 0 || end > 1) {
            throw new InvalidSamplerException("guidanceInterval",
                    "start and end must lie in [0, 1], got [" + start + ", " + end + "]");
        }
        if (start > end) {
            throw new InvalidSamplerException("guidanceInterval",
                    "start " + start + " is after end " + end + " (reversed interval)");
        }
    }

    public boolean contains(double t) {
        return t >= start && t <= end;
    }
}
