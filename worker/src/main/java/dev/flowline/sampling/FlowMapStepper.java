package dev.flowline.sampling;

/**
 * The {@code flowmap} solver of a flow-map model, which predicts the average velocity
 * {@code u(x_t, t, r) = (x_r - x_t) / (r - t)} along its trajectory: one evaluation per grid step, at
 * {@code (x_n, t_n)} with target time {@code r = t_{n+1}}, and {@code x_{n+1} = x_n + (t_{n+1} - t_n)·u}. Exact at
 * any step count when u is exact; with an ordinary velocity model (r ignored) it is Euler.
 */
final class FlowMapStepper extends GridStepper {

    FlowMapStepper(double[] grid, double[] x0) {
        super(grid, x0);
        prepare();
    }

    @Override
    public double targetTime() {
        return grid[step + 1];
    }

    @Override
    public void accept(double[] velocity) {
        if (finished()) throw new IllegalStateException("the sample is finished");
        double h = grid[step + 1] - grid[step];
        for (int d = 0; d < x.length; d++) x[d] += h * velocity[d];
        step++;
        if (!finished()) prepare();
    }

    private void prepare() {
        System.arraycopy(x, 0, y, 0, x.length);
        evalTime = grid[step];
    }
}
