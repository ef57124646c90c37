package dev.flowline.sampling;

/**
 * The flow-map step {@code x_r = x_t + (r - t)·u(x_t, t, r)} as a solver method: one evaluation per grid step. Its
 * accuracy is the model's (a flow map is exact over any jump), so {@link #order()} is nominal.
 */
public record FlowMapRule(String name) implements SolverMethod {
    public static final FlowMapRule FLOWMAP = new FlowMapRule("flowmap");

    @Override
    public int order() {
        return 1;
    }

    @Override
    public int evaluations(int steps) {
        return steps;
    }
}
