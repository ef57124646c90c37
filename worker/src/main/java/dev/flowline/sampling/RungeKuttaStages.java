package dev.flowline.sampling;

/**
 * The stage velocities of one sample's Runge–Kutta step and the linear combinations a tableau makes of them.
 * Buffers are allocated once per sample; no method allocates. Coefficients equal to 0 are skipped, so that, for
 * example, Euler's stage point is exactly x.
 */
final class RungeKuttaStages {

    private final ButcherTableau tableau;
    private final double[][] k;

    RungeKuttaStages(ButcherTableau tableau, int dim) {
        this.tableau = tableau;
        this.k = new double[tableau.stages()][dim];
    }

    ButcherTableau tableau() {
        return tableau;
    }

    int stages() {
        return k.length;
    }

    void setStage(int i, double[] velocity) {
        System.arraycopy(velocity, 0, k[i], 0, velocity.length);
    }

    /** {@code y = x + h·Σ_{j<i} a_ij·k_j}: where stage i is evaluated. */
    void stagePoint(int i, double[] x, double h, double[] y) {
        System.arraycopy(x, 0, y, 0, x.length);
        for (int j = 0; j < i; j++) axpy(h * tableau.a(i, j), k[j], y);
    }

    /**
     * Time of stage i on the step {@code t0 → t1}: {@code t0 + c_i·(t1 - t0)}, where c = 1 lands on t1 exactly
     * rather than on the rounding of {@code t0 + h}.
     */
    double stageTime(int i, double t0, double t1) {
        return stageTime(tableau, i, t0, t1);
    }

    /** {@link #stageTime(int, double, double)} of any tableau: also what a Bespoke solver's identity numbers must equal. */
    static double stageTime(ButcherTableau tableau, int i, double t0, double t1) {
        double c = tableau.c(i);
        return c == 1 ? t1 : t0 + c * (t1 - t0);
    }

    /** {@code out = x + h·Σ b_i·k_i}; {@code out} may be {@code x}. */
    void solution(double[] x, double h, double[] out) {
        if (out != x) System.arraycopy(x, 0, out, 0, x.length);
        for (int i = 0; i < k.length; i++) axpy(h * tableau.b(i), k[i], out);
    }

    /** {@code out = h·Σ (b_i - bEmbedded_i)·k_i}, the local error estimate of an embedded tableau. */
    void errorEstimate(double h, double[] out) {
        java.util.Arrays.fill(out, 0);
        for (int i = 0; i < k.length; i++) axpy(h * tableau.errorWeight(i), k[i], out);
    }

    /** First-same-as-last: the last stage of an accepted step becomes the first of the next. */
    void lastBecomesFirst() {
        double[] first = k[0];
        k[0] = k[k.length - 1];
        k[k.length - 1] = first;
    }

    private static void axpy(double a, double[] x, double[] y) {
        if (a == 0) return;
        for (int d = 0; d < y.length; d++) y[d] += a * x[d];
    }
}
