package dev.flowline.sampling;

/**
 * Any explicit Runge–Kutta tableau on a given grid: stage i of step n is evaluated at
 * {@code x_n + h·Σ a_ij k_j}, time {@code t_n + c_i·h}; after the last stage {@code x_{n+1} = x_n + h·Σ b_i k_i}
 * and, for the SDE sampler, the step's noise increment is added.
 */
final class FixedStepper extends GridStepper {

    private final RungeKuttaStages stages;
    private final MarginalPreservingSde sde;
    /** Stage whose velocity is pending. */
    private int stage;

    /**
     * @param grid the time points (strictly increasing); the state starts at {@code grid[0]}
     * @param x0   the initial state, copied
     * @param sde  the stochastic part, or {@code null} for the ODE
     */
    FixedStepper(ButcherTableau tableau, double[] grid, double[] x0, MarginalPreservingSde sde) {
        super(grid, x0);
        this.stages = new RungeKuttaStages(tableau, x0.length);
        this.sde = sde;
        prepare();
    }

    /**
     * A stepper whose first stage velocity at {@code (x0, grid[0])} is already known (the BOSS optimiser has it
     * from its reference run); a one-stage tableau then finishes its first step without any evaluation.
     */
    FixedStepper(ButcherTableau tableau, double[] grid, double[] x0, double[] firstStage) {
        this(tableau, grid, x0, (MarginalPreservingSde) null);
        accept(firstStage);
    }

    @Override
    public void accept(double[] velocity) {
        if (finished()) throw new IllegalStateException("the sample is finished");
        stages.setStage(stage, velocity);
        stage++;
        if (stage == stages.stages()) {
            double h = grid[step + 1] - grid[step];
            stages.solution(x, h, x);
            if (sde != null) sde.addNoise(x, grid[step], grid[step + 1], step);
            step++;
            stage = 0;
        }
        if (!finished()) prepare();
    }

    private void prepare() {
        double t0 = grid[step];
        stages.stagePoint(stage, x, grid[step + 1] - t0, y);
        evalTime = stages.stageTime(stage, t0, grid[step + 1]);
    }
}
