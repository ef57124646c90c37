package dev.flowline.sampling;

/**
 * The stochastic sampler: an SDE whose marginals equal the flow's, for the linear (rectified-flow) path
 * {@code x_t = (1-t)·x0 + t·x1} with {@code x0 ~ N(0, I)}.
 *
 * <p><b>Why it keeps the marginals.</b> For any diffusion g(t), {@code dx = [v + (g²/2)·s] dt + g dW} with
 * {@code s = ∇ log p_t} has the same Fokker–Planck solution as the ODE {@code dx = v dt}: the extra drift's flux
 * {@code -(g²/2)∇p} cancels the diffusion's {@code (g²/2)Δp}. On the linear path Tweedie's formula gives
 * {@code E[x0|x] = x - t·v}, hence the score {@code s(x, t) = (t·v - x) / (1-t)}.
 *
 * <p><b>The choice of g, and t → 1.</b> Flowline takes {@code g²(t) = ε·(1-t)} with ε the job's
 * {@code stochasticity}. The singular factor of the score cancels, leaving a drift with no division at all:
 * <pre>  f(x, t) = v + (ε/2)·(t·v - x) = (1 + ε·t/2)·v - (ε/2)·x,    dx = f dt + sqrt(ε·(1-t)) dW</pre>
 * so the sampler is well defined up to and at t = 1, where the noise vanishes. At t = 0 the score is the exact
 * {@code -x} of N(0, I).
 *
 * <p><b>Discretisation.</b> The drift f replaces v at every stage of the chosen Runge–Kutta tableau; after each grid
 * step {@code t0 → t1} the increment of the noise is added exactly: Gaussian with variance
 * {@code ∫ g² dt = ε·(t1-t0)·(1 - (t0+t1)/2)}, drawn from {@link GaussianNoise} stream {@code step + 1} of the
 * sample. With Euler this is Euler–Maruyama; other tableaus integrate the drift more accurately (weak order 1 in
 * all cases). Explicit stability asks for {@code ε·h/2 < 2} per step; ε of a few units is the useful range.
 *
 * <p>With classifier-free guidance the guided velocity stands in for v, as is common practice; the marginals
 * are then those of the guided flow only approximately, since a guided field is not the velocity of a path.
 *
 * <p>With ε = 0 no instance is made, so the ODE path runs unchanged.
 */
final class MarginalPreservingSde {

    private final double epsilon;
    private final long seed;
    private final int sampleIndex;

    MarginalPreservingSde(double epsilon, long seed, int sampleIndex) {
        if (!(epsilon > 0) || !Double.isFinite(epsilon)) throw new IllegalArgumentException("epsilon must be > 0");
        this.epsilon = epsilon;
        this.seed = seed;
        this.sampleIndex = sampleIndex;
    }

    /** Turns the velocity {@code v} at {@code (x, t)} into the SDE drift, in place. */
    void drift(double t, double[] x, double[] v) {
        double vScale = 1 + epsilon * t / 2;
        double xScale = epsilon / 2;
        for (int i = 0; i < v.length; i++) v[i] = vScale * v[i] - xScale * x[i];
    }

    /** Adds the Brownian increment of grid step {@code step} ({@code t0 → t1}) to {@code x}. */
    void addNoise(double[] x, double t0, double t1, int step) {
        double variance = epsilon * (t1 - t0) * (1 - (t0 + t1) / 2);
        if (variance <= 0) return;
        GaussianNoise.addScaled(GaussianNoise.streamKey(seed, sampleIndex, step + 1L), Math.sqrt(variance), x);
    }
}
