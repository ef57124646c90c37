package dev.flowline.sampling;

import java.util.Arrays;

/**
 * A Bespoke solver (Shaul et al., ICLR 2024) as data: a base Runge–Kutta tableau run with {@code steps} uniform steps
 * in a new time r ∈ [0, 1] on the transformed trajectory {@code x̄(r) = s_r · x(t_r)}, whose velocity is
 * {@code ū(r, x̄) = (ṡ_r / s_r)·x̄ + ṫ_r·s_r·v(x̄ / s_r, t_r)}; the answer is {@code x = x̄(1) / s_1}.
 *
 * <p>The numbers are what the base solver needs at each of its evaluation points, in evaluation order (step-major,
 * stage-minor: for midpoint r_0, r_0 + h/2, r_1, ...): the model time {@code t}, its rate {@code dt}, the scale
 * {@code s} and its rate {@code ds}; plus {@code finalScale} = s_1. They are optimised offline per model (Python,
 * autograd through the network, against tight-tolerance endpoints) and shipped in the model's manifest; the
 * stepper ({@link BespokeStepper}) knows nothing of how they were found. With t = r, dt = 1, s = 1, ds = 0 and
 * finalScale = 1 the solver is its base solver, bit for bit.
 *
 * @param name       the name the manifest gives it, e.g. {@code bespoke-midpoint-4}
 * @param base       the base tableau (fixed-step)
 * @param steps      uniform steps in r
 * @param t          model time per evaluation, in [0, 1], starting at 0 and non-decreasing
 * @param dt         dt/dr per evaluation, positive
 * @param s          scale per evaluation, positive
 * @param ds         ds/dr per evaluation
 * @param finalScale s at r = 1, positive
 */
public record BespokeSolver(String name, ButcherTableau base, int steps, double[] t, double[] dt, double[] s,
                            double[] ds, double finalScale) implements SolverMethod {

    public BespokeSolver {
        if (name == null || name.isBlank()) throw new IllegalArgumentException("name must not be blank");
        if (base == null || base.isEmbedded()) throw new IllegalArgumentException("base must be a fixed-step tableau");
        if (steps < 1) throw new IllegalArgumentException("steps must be >= 1, got " + steps);
        int n = base.stages() * steps;
        t = checked("t", t, n);
        dt = checked("dt", dt, n);
        s = checked("s", s, n);
        ds = checked("ds", ds, n);
        if (t[0] != 0.0) throw new IllegalArgumentException("t[0] must be 0 (the first evaluation is at the noise), got " + t[0]);
        for (int i = 0; i < n; i++) {
            if (t[i] < 0 || t[i] > 1) throw new IllegalArgumentException("t[" + i + "] must be in [0, 1], got " + t[i]);
            if (i > 0 && t[i] < t[i - 1]) {
                throw new IllegalArgumentException("t must be non-decreasing, but t[" + i + "] = " + t[i] + " < t[" + (i - 1) + "] = " + t[i - 1]);
            }
            if (!(dt[i] > 0)) throw new IllegalArgumentException("dt[" + i + "] must be positive, got " + dt[i]);
            if (!(s[i] > 0)) throw new IllegalArgumentException("s[" + i + "] must be positive, got " + s[i]);
        }
        if (!(finalScale > 0) || !Double.isFinite(finalScale)) {
            throw new IllegalArgumentException("finalScale must be positive and finite, got " + finalScale);
        }
    }

    /** The identity transform over {@code base}: the base solver itself on a uniform grid (a test fixture and a default). */
    public static BespokeSolver identity(String name, ButcherTableau base, int steps) {
        int n = base.stages() * steps;
        double[] t = new double[n], dt = new double[n], s = new double[n], ds = new double[n];
        double[] grid = TimeGrids.uniform(steps);
        for (int k = 0; k < steps; k++) {
            for (int i = 0; i < base.stages(); i++) {
                t[k * base.stages() + i] = RungeKuttaStages.stageTime(base, i, grid[k], grid[k + 1]);
            }
        }
        Arrays.fill(dt, 1.0);
        Arrays.fill(s, 1.0);
        return new BespokeSolver(name, base, steps, t, dt, s, ds, 1.0);
    }

    private static double[] checked(String field, double[] values, int n) {
        if (values == null) throw new IllegalArgumentException(field + " is required");
        if (values.length != n) {
            throw new IllegalArgumentException(field + " must have " + n + " entries (stages × steps), got " + values.length);
        }
        for (int i = 0; i < n; i++) {
            if (!Double.isFinite(values[i])) throw new IllegalArgumentException(field + "[" + i + "] must be finite, got " + values[i]);
        }
        return values.clone();
    }

    @Override
    public int order() {
        return base.order();
    }

    /** Evaluations of this solver: the base's stages × {@link #steps}; any other step count is not this solver. */
    @Override
    public int evaluations(int steps) {
        return base.evaluations(steps);
    }

    /** Evaluations one sample costs. */
    public int evaluations() {
        return base.evaluations(steps);
    }

    @Override
    public double[] t() {
        return t.clone();
    }

    @Override
    public double[] dt() {
        return dt.clone();
    }

    @Override
    public double[] s() {
        return s.clone();
    }

    @Override
    public double[] ds() {
        return ds.clone();
    }

    double tAt(int k) {
        return t[k];
    }

    double dtAt(int k) {
        return dt[k];
    }

    double sAt(int k) {
        return s[k];
    }

    double dsAt(int k) {
        return ds[k];
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BespokeSolver b && name.equals(b.name) && base.equals(b.base) && steps == b.steps
                && Arrays.equals(t, b.t) && Arrays.equals(dt, b.dt) && Arrays.equals(s, b.s) && Arrays.equals(ds, b.ds)
                && Double.compare(finalScale, b.finalScale) == 0;
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + steps;
    }

    @Override
    public String toString() {
        return name + " (bespoke " + base.name() + ", " + steps + " steps)";
    }
}
