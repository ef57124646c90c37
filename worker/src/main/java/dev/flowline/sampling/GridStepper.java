package dev.flowline.sampling;

/**
 * What the fixed-grid steppers share: the grid, the state at {@code grid[step]}, the pending evaluation point and
 * time, and the protocol's accessors. Subclasses decide where to evaluate and how a step combines velocities.
 */
abstract class GridStepper implements Stepper {

    /** The time points, strictly increasing; the state starts at {@code grid[0]}. */
    protected final double[] grid;
    /** The state at {@code grid[step]}. */
    protected final double[] x;
    /** The pending evaluation point. */
    protected final double[] y;
    /** Step index n: the state x is at grid[n]; finished at grid.length - 1. */
    protected int step;
    protected double evalTime;

    GridStepper(double[] grid, double[] x0) {
        this.grid = grid;
        this.x = x0.clone();
        this.y = new double[x0.length];
    }

    @Override
    public final boolean finished() {
        return step == grid.length - 1;
    }

    @Override
    public final double evalTime() {
        return evalTime;
    }

    @Override
    public final double[] evalPoint() {
        return y;
    }

    @Override
    public final double time() {
        return grid[step];
    }

    @Override
    public final double[] state() {
        return x;
    }

    @Override
    public final int stepsDone() {
        return step;
    }

    @Override
    public final int totalSteps() {
        return grid.length - 1;
    }
}
