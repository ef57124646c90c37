package dev.flowline.sampling;

/**
 * A {@link MultistepRule} on a given (possibly non-uniform) grid. Each step evaluates the velocity at the grid point
 * itself, pushes it on the history and moves with the rule's Lagrange weights; the first {@code k-2} steps run the
 * rule's startup tableau, whose first stage is that same grid-point velocity.
 */
final class MultistepStepper extends GridStepper {

    private final MultistepRule rule;
    private final RungeKuttaStages startup;
    /** History velocities, most recent first; rotated by reference, never reallocated. */
    private final double[][] history;
    private final double[] historyTimes;
    private final double[] weights;
    private int historyCount;
    /** Stage of the startup tableau pending; 0 on ordinary steps. */
    private int stage;

    MultistepStepper(MultistepRule rule, double[] grid, double[] x0) {
        super(grid, x0);
        this.rule = rule;
        this.startup = new RungeKuttaStages(rule.startup(), x0.length);
        this.history = new double[rule.order()][x0.length];
        this.historyTimes = new double[rule.order()];
        this.weights = new double[rule.order()];
        prepare();
    }

    @Override
    public void accept(double[] velocity) {
        if (finished()) throw new IllegalStateException("the sample is finished");
        double t0 = grid[step];
        double h = grid[step + 1] - t0;
        boolean startupStep = step < rule.startupSteps();
        if (stage == 0) push(velocity, t0);
        if (startupStep) {
            startup.setStage(stage, velocity);
            stage++;
            if (stage < startup.stages()) {
                prepare();
                return;
            }
            startup.solution(x, h, x);
        } else {
            int m = Math.min(rule.order(), historyCount);
            MultistepRule.weights(historyTimes, m, t0, grid[step + 1], weights);
            for (int j = 0; j < m; j++) {
                double w = weights[j];
                double[] v = history[j];
                for (int d = 0; d < x.length; d++) x[d] += w * v[d];
            }
        }
        step++;
        stage = 0;
        if (!finished()) prepare();
    }

    private void push(double[] velocity, double t) {
        double[] oldest = history[history.length - 1];
        System.arraycopy(history, 0, history, 1, history.length - 1);
        System.arraycopy(historyTimes, 0, historyTimes, 1, historyTimes.length - 1);
        System.arraycopy(velocity, 0, oldest, 0, velocity.length);
        history[0] = oldest;
        historyTimes[0] = t;
        historyCount = Math.min(historyCount + 1, history.length);
    }

    private void prepare() {
        double t0 = grid[step];
        // Ordinary steps and the startup's first stage evaluate at the grid point itself.
        startup.stagePoint(stage, x, grid[step + 1] - t0, y);
        evalTime = startup.stageTime(stage, t0, grid[step + 1]);
    }
}
