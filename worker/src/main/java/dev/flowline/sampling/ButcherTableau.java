package dev.flowline.sampling;

import java.util.Arrays;

/**
 * An explicit Runge–Kutta method as data: the Butcher tableau {@code (A, b, c)}, optionally with embedded
 * lower-order weights {@code bEmbedded} whose difference to {@code b} estimates the local error (adaptive stepping).
 *
 * <p>The constructor checks everything a state machine relies on, so that a wrong table fails at class load rather
 * than giving silently wrong samples: square {@code A} with {@code s} stages, {@code b} and {@code c} of length
 * {@code s}, finite entries, explicitness ({@code A} strictly lower triangular), row-sum consistency
 * ({@code c_i = Σ_j a_ij}), and the order conditions of the claimed order up to order 4 for {@code b} (and for
 * {@code bEmbedded} up to its own order). Order conditions above 4 (Dormand–Prince's fifth) are not checked.
 *
 * <p>Arrays are copied in and out; the package reads entries through {@link #a(int, int)}, {@link #b(int)},
 * {@link #c(int)} so that the per-evaluation path allocates nothing.
 *
 * @param name          the solver name
 * @param order         order of the solution weights {@code b}
 * @param a             the s×s stage matrix
 * @param b             solution weights
 * @param c             stage times as fractions of the step
 * @param bEmbedded     embedded weights for the error estimate, or {@code null}
 * @param embeddedOrder order of {@code bEmbedded}, 0 when there is none
 */
public record ButcherTableau(String name, int order, double[][] a, double[] b, double[] c,
                             double[] bEmbedded, int embeddedOrder) implements SolverMethod {

    private static final double TOLERANCE = 1e-12;

    public static final ButcherTableau EULER = explicit("euler", 1,
            new double[][] {{0}}, new double[] {1}, new double[] {0});

    public static final ButcherTableau MIDPOINT = explicit("midpoint", 2,
            new double[][] {{0, 0}, {0.5, 0}}, new double[] {0, 1}, new double[] {0, 0.5});

    /** Heun's second-order method (explicit trapezoid). */
    public static final ButcherTableau HEUN = explicit("heun", 2,
            new double[][] {{0, 0}, {1, 0}}, new double[] {0.5, 0.5}, new double[] {0, 1});

    /** Ralston's third-order method, the 3-stage method with minimal error bound. */
    public static final ButcherTableau RALSTON3 = explicit("ralston3", 3,
            new double[][] {{0, 0, 0}, {0.5, 0, 0}, {0, 0.75, 0}},
            new double[] {2.0 / 9, 1.0 / 3, 4.0 / 9}, new double[] {0, 0.5, 0.75});

    public static final ButcherTableau RK4 = explicit("rk4", 4,
            new double[][] {{0, 0, 0, 0}, {0.5, 0, 0, 0}, {0, 0.5, 0, 0}, {0, 0, 1, 0}},
            new double[] {1.0 / 6, 1.0 / 3, 1.0 / 3, 1.0 / 6}, new double[] {0, 0.5, 0.5, 1});

    /** Dormand–Prince 5(4): fifth-order solution, fourth-order embedded estimate, first-same-as-last. */
    public static final ButcherTableau DOPRI5 = embedded("dopri5", 5,
            new double[][] {
                {0, 0, 0, 0, 0, 0, 0},
                {1.0 / 5, 0, 0, 0, 0, 0, 0},
                {3.0 / 40, 9.0 / 40, 0, 0, 0, 0, 0},
                {44.0 / 45, -56.0 / 15, 32.0 / 9, 0, 0, 0, 0},
                {19372.0 / 6561, -25360.0 / 2187, 64448.0 / 6561, -212.0 / 729, 0, 0, 0},
                {9017.0 / 3168, -355.0 / 33, 46732.0 / 5247, 49.0 / 176, -5103.0 / 18656, 0, 0},
                {35.0 / 384, 0, 500.0 / 1113, 125.0 / 192, -2187.0 / 6784, 11.0 / 84, 0}},
            new double[] {35.0 / 384, 0, 500.0 / 1113, 125.0 / 192, -2187.0 / 6784, 11.0 / 84, 0},
            new double[] {0, 1.0 / 5, 3.0 / 10, 4.0 / 5, 8.0 / 9, 1, 1},
            new double[] {5179.0 / 57600, 0, 7571.0 / 16695, 393.0 / 640, -92097.0 / 339200, 187.0 / 2100, 1.0 / 40},
            4);

    public ButcherTableau {
        if (name == null || name.isBlank()) throw new IllegalArgumentException("tableau name must not be blank");
        if (order < 1) throw new IllegalArgumentException(name + ": order must be >= 1");
        if (b == null || a == null || c == null) throw new IllegalArgumentException(name + ": a, b and c are required");
        int s = b.length;
        if (s == 0) throw new IllegalArgumentException(name + ": at least one stage is required");
        if (c.length != s || a.length != s) {
            throw new IllegalArgumentException(name + ": A must be " + s + "x" + s + " and c of length " + s
                    + " to match b (A has " + a.length + " rows, c has " + c.length + ")");
        }
        a = deepCopy(a, s, name);
        b = b.clone();
        c = c.clone();
        requireFinite(name, "b", b);
        requireFinite(name, "c", c);
        for (int i = 0; i < s; i++) {
            requireFinite(name, "A row " + i, a[i]);
            double rowSum = 0;
            for (int j = 0; j < s; j++) {
                if (j >= i && a[i][j] != 0) {
                    throw new IllegalArgumentException(name + ": not explicit, a[" + i + "][" + j + "] = " + a[i][j]);
                }
                rowSum += a[i][j];
            }
            if (Math.abs(rowSum - c[i]) > TOLERANCE) {
                throw new IllegalArgumentException(name + ": c[" + i + "] = " + c[i]
                        + " differs from the row sum of A, " + rowSum);
            }
        }
        checkOrderConditions(name, "b", a, b, c, order);
        if (bEmbedded == null) {
            if (embeddedOrder != 0) throw new IllegalArgumentException(name + ": embeddedOrder without bEmbedded");
        } else {
            if (bEmbedded.length != s) throw new IllegalArgumentException(name + ": bEmbedded must have " + s + " entries");
            if (embeddedOrder < 1 || embeddedOrder >= order) {
                throw new IllegalArgumentException(name + ": embeddedOrder must be in [1, order)");
            }
            bEmbedded = bEmbedded.clone();
            requireFinite(name, "bEmbedded", bEmbedded);
            checkOrderConditions(name, "bEmbedded", a, bEmbedded, c, embeddedOrder);
        }
    }

    /** A fixed-step explicit method. */
    public static ButcherTableau explicit(String name, int order, double[][] a, double[] b, double[] c) {
        return new ButcherTableau(name, order, a, b, c, null, 0);
    }

    /** An explicit method with an embedded error estimate, for adaptive step size. */
    public static ButcherTableau embedded(String name, int order, double[][] a, double[] b, double[] c,
                                          double[] bEmbedded, int embeddedOrder) {
        return new ButcherTableau(name, order, a, b, c, bEmbedded, embeddedOrder);
    }

    public int stages() {
        return b.length;
    }

    /** Whether this tableau carries an error estimate (and is therefore run with adaptive steps). */
    public boolean isEmbedded() {
        return bEmbedded != null;
    }

    /**
     * First-same-as-last: the last stage is evaluated at the step's result, so it is the next step's first stage
     * and an accepted step costs one evaluation less.
     */
    public boolean isFsal() {
        int last = stages() - 1;
        return last > 0 && c[last] == 1 && Arrays.equals(a[last], b);
    }

    @Override
    public int evaluations(int steps) {
        if (isEmbedded()) throw new UnsupportedOperationException(name + " is adaptive: its cost depends on the problem");
        return Math.multiplyExact(stages(), steps);
    }

    double a(int i, int j) {
        return a[i][j];
    }

    double b(int i) {
        return b[i];
    }

    double c(int i) {
        return c[i];
    }

    /** Weight of stage i in the local error estimate: b_i minus the embedded weight. */
    double errorWeight(int i) {
        return b[i] - bEmbedded[i];
    }

    @Override
    public double[][] a() {
        return deepCopy(a, a.length, name);
    }

    @Override
    public double[] b() {
        return b.clone();
    }

    @Override
    public double[] c() {
        return c.clone();
    }

    @Override
    public double[] bEmbedded() {
        return bEmbedded == null ? null : bEmbedded.clone();
    }

    @Override
    public String toString() {
        return "ButcherTableau[" + name + ", order " + order + ", " + stages() + " stages"
                + (isEmbedded() ? ", embedded order " + embeddedOrder : "") + "]";
    }

    private static double[][] deepCopy(double[][] a, int s, String name) {
        double[][] copy = new double[s][];
        for (int i = 0; i < s; i++) {
            if (a[i] == null || a[i].length != s) {
                throw new IllegalArgumentException(name + ": row " + i + " of A must have " + s + " entries");
            }
            copy[i] = a[i].clone();
        }
        return copy;
    }

    private static void requireFinite(String name, String what, double[] values) {
        for (double v : values) {
            if (!Double.isFinite(v)) throw new IllegalArgumentException(name + ": " + what + " has a non-finite entry");
        }
    }

    /**
     * The rooted-tree order conditions up to order 4 (eight of them); a tableau that claims an order it does not
     * have would pass every other check and only show up as slow convergence.
     */
    private static void checkOrderConditions(String name, String which, double[][] a, double[] w, double[] c, int order) {
        int s = w.length;
        double[] ac = new double[s];   // (A c)_i
        double[] ac2 = new double[s];  // (A c^2)_i
        double[] aac = new double[s];  // (A A c)_i
        for (int i = 0; i < s; i++) {
            for (int j = 0; j < s; j++) {
                ac[i] += a[i][j] * c[j];
                ac2[i] += a[i][j] * c[j] * c[j];
            }
        }
        for (int i = 0; i < s; i++) {
            for (int j = 0; j < s; j++) aac[i] += a[i][j] * ac[j];
        }
        double[][] conditions = {
            {1, sum(w, c, 0, null), 1},
            {2, sum(w, c, 1, null), 1.0 / 2},
            {3, sum(w, c, 2, null), 1.0 / 3},
            {3, sum(w, c, 0, ac), 1.0 / 6},
            {4, sum(w, c, 3, null), 1.0 / 4},
            {4, sum(w, c, 1, ac), 1.0 / 8},
            {4, sum(w, c, 0, ac2), 1.0 / 12},
            {4, sum(w, c, 0, aac), 1.0 / 24},
        };
        for (double[] cond : conditions) {
            if (cond[0] <= order && Math.abs(cond[1] - cond[2]) > 1e-10) {
                throw new IllegalArgumentException(name + ": " + which + " violates an order-" + (int) cond[0]
                        + " condition (" + cond[1] + " instead of " + cond[2] + "), so it is not of order " + order);
            }
        }
    }

    /** Σ_i w_i c_i^power (times extra_i when given). */
    private static double sum(double[] w, double[] c, int power, double[] extra) {
        double total = 0;
        for (int i = 0; i < w.length; i++) {
            total += w[i] * Math.pow(c[i], power) * (extra == null ? 1 : extra[i]);
        }
        return total;
    }
}
