package dev.flowline.sampling;

/**
 * An explicit Adams–Bashforth rule of order {@code k} over the velocity history, on arbitrary (variable) grids.
 *
 * <p>Step n uses the velocities at the last {@code k} grid points {@code t_n, t_{n-1}, ...}: it integrates the
 * polynomial interpolating them over {@code [t_n, t_{n+1}]}, so the weights are
 * {@code β_j = ∫ L_j(τ) dτ} of the Lagrange basis on the history nodes (computed per step, see
 * {@link #weights}). One evaluation per step, at the grid point itself.
 *
 * <p>Starting: while fewer than {@code k} velocities are known the rule uses as many as it has. A rule with
 * {@code m} nodes has local error O(h^(m+1)), which keeps global order {@code k} once {@code m ≥ k-1}; so only the
 * first {@code k-2} steps (one step for AB3, none for AB2) are taken with the {@code startup} tableau instead, whose
 * order must be at least {@code k-1}. Its first stage is the velocity at the grid point and enters the history.
 *
 * @param name    the solver name
 * @param order   k, the number of history points and the global order
 * @param startup the one-step method of the first {@code k-2} steps
 */
public record MultistepRule(String name, int order, ButcherTableau startup) implements SolverMethod {

    /** Three-point Gauss–Legendre is exact for the degree-(k-1) integrands up to k = 6. */
    static final int MAX_ORDER = 6;
    private static final double[] GAUSS_NODES = {-Math.sqrt(0.6), 0, Math.sqrt(0.6)};
    private static final double[] GAUSS_WEIGHTS = {5.0 / 9, 8.0 / 9, 5.0 / 9};

    public static final MultistepRule AB2 = new MultistepRule("ab2", 2, ButcherTableau.EULER);
    public static final MultistepRule AB3 = new MultistepRule("ab3", 3, ButcherTableau.HEUN);

    public MultistepRule {
        if (name == null || name.isBlank()) throw new IllegalArgumentException("multistep rule name must not be blank");
        if (order < 1 || order > MAX_ORDER) {
            throw new IllegalArgumentException(name + ": order must be in [1, " + MAX_ORDER + "]");
        }
        if (startup == null || startup.isEmbedded() || startup.order() < order - 1) {
            throw new IllegalArgumentException(name + ": the startup tableau must be fixed-step and of order >= " + (order - 1));
        }
    }

    /** Steps taken with the startup tableau before the history is long enough. */
    public int startupSteps() {
        return Math.max(0, order - 2);
    }

    @Override
    public int evaluations(int steps) {
        return Math.addExact(steps, (startup.stages() - 1) * Math.min(steps, startupSteps()));
    }

    /**
     * Writes the weights of the history velocities for the step {@code t0 → t1} into {@code out[0..count)}:
     * {@code x(t1) ≈ x(t0) + Σ out[j] · v(t_j)}. The weights include the step length.
     *
     * @param nodes history times, most recent first ({@code nodes[0] == t0}), pairwise distinct
     * @param count how many nodes to use (1..order)
     */
    static void weights(double[] nodes, int count, double t0, double t1, double[] out) {
        double half = (t1 - t0) / 2;
        double mid = (t0 + t1) / 2;
        for (int j = 0; j < count; j++) {
            double integral = 0;
            for (int g = 0; g < GAUSS_NODES.length; g++) {
                double tau = mid + half * GAUSS_NODES[g];
                double basis = 1;
                for (int l = 0; l < count; l++) {
                    if (l != j) basis *= (tau - nodes[l]) / (nodes[j] - nodes[l]);
                }
                integral += GAUSS_WEIGHTS[g] * basis;
            }
            out[j] = half * integral;
        }
    }
}
