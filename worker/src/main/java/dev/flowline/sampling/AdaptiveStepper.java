package dev.flowline.sampling;

/**
 * An embedded explicit Runge–Kutta pair (Dormand–Prince 5(4)) with its own step size per sample, from t = 0 (or a
 * given start) to 1.
 *
 * <p>The first step size follows Hairer, Nørsett &amp; Wanner's starting heuristic {@code h0 = 0.01·‖x0‖/‖v0‖} in
 * the tolerance-scaled RMS norm, which needs only the first stage (no extra evaluation). After each attempt the
 * step is rescaled by {@code 0.9·err^(-1/(q+1))} (q the embedded order), within [0.2, 5] and never growing right
 * after a rejection, then clipped to {@code [minStep, maxStep]} and to the time left. Rejected steps reuse their first
 * stage; accepted steps of a first-same-as-last tableau reuse their last.
 *
 * <p>Stops when t reaches 1, or when {@code maxNfe} evaluations are spent (then with the last accepted state).
 */
final class AdaptiveStepper implements Stepper {

    private static final double SAFETY = 0.9;
    private static final double MIN_FACTOR = 0.2;
    private static final double MAX_FACTOR = 5.0;

    private final RungeKuttaStages stages;
    private final AdaptiveOptions options;
    private final int maxNfe;
    private final double exponent;
    private double[] x;
    private double[] candidate;
    private final double[] y;
    private final double[] error;
    private double t;
    /** Current step size; NaN until the first stage is known. */
    private double h = Double.NaN;
    private boolean lastStep;
    private boolean justRejected;
    private int stage;
    private int evaluations;
    private int accepted;
    private boolean finished;
    private double evalTime;

    AdaptiveStepper(ButcherTableau tableau, double[] x0, AdaptiveOptions options, int maxNfe) {
        this(tableau, x0, 0, options, maxNfe);
    }

    /** A stepper starting at {@code t0} in [0, 1) (image-to-image) instead of 0. */
    AdaptiveStepper(ButcherTableau tableau, double[] x0, double t0, AdaptiveOptions options, int maxNfe) {
        if (!tableau.isEmbedded()) throw new IllegalArgumentException(tableau.name() + " has no error estimate");
        this.stages = new RungeKuttaStages(tableau, x0.length);
        this.options = options;
        this.maxNfe = maxNfe;
        this.exponent = -1.0 / (Math.min(tableau.order(), tableau.embeddedOrder()) + 1);
        this.x = x0.clone();
        this.candidate = new double[x0.length];
        this.y = x0.clone();
        this.error = new double[x0.length];
        this.t = t0;
        this.evalTime = t0;
    }

    @Override
    public void accept(double[] velocity) {
        if (finished) throw new IllegalStateException("the sample is finished");
        evaluations++;
        stages.setStage(stage, velocity);
        if (Double.isNaN(h)) setStep(initialStep(velocity));
        stage++;
        if (stage == stages.stages()) endOfStep();
        if (!finished && evaluations >= maxNfe) finished = true;
        if (!finished) prepare();
    }

    private void endOfStep() {
        stages.solution(x, h, candidate);
        stages.errorEstimate(h, error);
        double err = errorNorm();
        boolean forced = h <= options.minStep();
        // A NaN error (a non-finite velocity) shrinks like a failure, down to minStep where it is accepted.
        double factor = err == 0 ? MAX_FACTOR
                : Double.isNaN(err) ? MIN_FACTOR
                : Math.clamp(SAFETY * Math.pow(err, exponent), MIN_FACTOR, MAX_FACTOR);
        if (err <= 1 || forced) {
            double[] old = x;
            x = candidate;
            candidate = old;
            t = lastStep ? 1.0 : t + h;
            accepted++;
            if (justRejected) factor = Math.min(factor, 1);
            justRejected = false;
            if (stages.tableau().isFsal()) {
                stages.lastBecomesFirst();
                stage = 1;
            } else {
                stage = 0;
            }
            if (t >= 1) {
                finished = true;
                return;
            }
        } else {
            justRejected = true;
            factor = Math.min(factor, 1);
            stage = 1;
        }
        setStep(h * factor);
    }

    private void setStep(double proposed) {
        double clipped = Math.clamp(proposed, options.minStep(), options.maxStep());
        double left = 1 - t;
        lastStep = clipped >= left;
        h = lastStep ? left : clipped;
    }

    /** Tolerance-scaled RMS norm of the error estimate. */
    private double errorNorm() {
        double sum = 0;
        for (int i = 0; i < x.length; i++) {
            double scale = options.atol() + options.rtol() * Math.max(Math.abs(x[i]), Math.abs(candidate[i]));
            double e = error[i] / scale;
            sum += e * e;
        }
        return Math.sqrt(sum / x.length);
    }

    private double initialStep(double[] v0) {
        double d0 = 0;
        double d1 = 0;
        for (int i = 0; i < x.length; i++) {
            double scale = options.atol() + options.rtol() * Math.abs(x[i]);
            d0 += (x[i] / scale) * (x[i] / scale);
            d1 += (v0[i] / scale) * (v0[i] / scale);
        }
        d0 = Math.sqrt(d0 / x.length);
        d1 = Math.sqrt(d1 / x.length);
        return d0 < 1e-5 || d1 < 1e-5 ? 1e-6 : 0.01 * d0 / d1;
    }

    private void prepare() {
        stages.stagePoint(stage, x, h, y);
        evalTime = stages.stageTime(stage, t, lastStep ? 1.0 : t + h);
    }

    @Override
    public boolean finished() {
        return finished;
    }

    @Override
    public double evalTime() {
        return evalTime;
    }

    @Override
    public double[] evalPoint() {
        return y;
    }

    @Override
    public double time() {
        return t;
    }

    @Override
    public double[] state() {
        return x;
    }

    @Override
    public int stepsDone() {
        return accepted;
    }

    /** Accepted steps plus the steps the current step size would still need; progress only. */
    @Override
    public int totalSteps() {
        if (finished || Double.isNaN(h)) return finished ? accepted : accepted + 1;
        return accepted + (int) Math.ceil((1 - t) / h - 1e-9);
    }
}
