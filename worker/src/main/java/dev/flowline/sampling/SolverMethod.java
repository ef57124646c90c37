package dev.flowline.sampling;

/**
 * The numbers that define an ODE solver: either a one-step explicit Runge–Kutta tableau or a multistep rule over
 * the velocity history, the flow-map step, or a learned {@link BespokeSolver}. The state machines in this package
 * execute any instance; adding a solver means adding data.
 */
public sealed interface SolverMethod permits ButcherTableau, MultistepRule, FlowMapRule, BespokeSolver {

    /** Short name, as jobs spell it. */
    String name();

    /** Order of the global error on a smooth problem (error = O(h^order)). */
    int order();

    /**
     * Velocity evaluations a fixed-step run of {@code steps} grid steps costs. Every stage is evaluated, including the
     * last one at t = 1 (Heun's corrector on its final step counts: Heun costs exactly 2 per step).
     *
     * @throws UnsupportedOperationException for adaptive methods, whose cost depends on the problem
     */
    int evaluations(int steps);
}
