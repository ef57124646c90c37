package dev.flowline.sampling;

/**
 * Runs a {@link BespokeSolver}: the base tableau on a uniform grid in r over the transformed state
 * {@code x̄ = s·x}. Each evaluation k is asked of the model at {@code (x̄_stage / s_k, t_k)}; the velocity v it
 * returns becomes {@code ū = (ds_k / s_k)·x̄_stage + (dt_k·s_k)·v}, which the base tableau combines as usual. The
 * sample's state, seen from outside, is always in model space: {@code x̄ / s} at the current grid point.
 *
 * <p>With the identity numbers every operation is exact ({@code ȳ / 1}, {@code 0·ȳ + 1·v}), so the result is the
 * base solver's bit for bit.
 */
final class BespokeStepper implements Stepper {

    private final BespokeSolver solver;
    private final RungeKuttaStages stages;
    private final double h;
    /** The transformed state x̄ at r = step·h. */
    private final double[] xBar;
    /** The pending stage point in transformed space. */
    private final double[] yBar;
    /** The pending evaluation point in model space (yBar / s). */
    private final double[] y;
    /** The transformed velocity handed to the tableau. */
    private final double[] uBar;
    /** The model-space state, computed on demand. */
    private final double[] x;
    private int step;
    private int stage;

    BespokeStepper(BespokeSolver solver, double[] x0) {
        this.solver = solver;
        this.stages = new RungeKuttaStages(solver.base(), x0.length);
        this.h = 1.0 / solver.steps();
        this.xBar = new double[x0.length];
        double s0 = solver.sAt(0);
        for (int d = 0; d < x0.length; d++) xBar[d] = s0 * x0[d];
        this.yBar = new double[x0.length];
        this.y = new double[x0.length];
        this.uBar = new double[x0.length];
        this.x = x0.clone();
        prepare();
    }

    private int evaluation() {
        return step * stages.stages() + stage;
    }

    private void prepare() {
        stages.stagePoint(stage, xBar, h, yBar);
        double s = solver.sAt(evaluation());
        for (int d = 0; d < y.length; d++) y[d] = yBar[d] / s;
    }

    @Override
    public boolean finished() {
        return step == solver.steps();
    }

    @Override
    public double evalTime() {
        return solver.tAt(evaluation());
    }

    @Override
    public double[] evalPoint() {
        return y;
    }

    @Override
    public void accept(double[] velocity) {
        if (finished()) throw new IllegalStateException("the sample is finished");
        int k = evaluation();
        double s = solver.sAt(k);
        double a = solver.dsAt(k) / s;
        double b = solver.dtAt(k) * s;
        for (int d = 0; d < uBar.length; d++) uBar[d] = a * yBar[d] + b * velocity[d];
        stages.setStage(stage, uBar);
        stage++;
        if (stage == stages.stages()) {
            stages.solution(xBar, h, xBar);
            step++;
            stage = 0;
            double scale = finished() ? solver.finalScale() : solver.sAt(evaluation());
            for (int d = 0; d < x.length; d++) x[d] = xBar[d] / scale;
        }
        if (!finished()) prepare();
    }

    /** Model time of the current grid point: the first evaluation's time of the step, or 1 when finished. */
    @Override
    public double time() {
        return finished() ? 1.0 : solver.tAt(step * stages.stages());
    }

    @Override
    public double[] state() {
        return x;
    }

    @Override
    public int stepsDone() {
        return step;
    }

    @Override
    public int totalSteps() {
        return solver.steps();
    }
}
