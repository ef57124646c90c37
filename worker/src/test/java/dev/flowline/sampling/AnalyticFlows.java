package dev.flowline.sampling;

/**
 * Velocity fields whose exact trajectories are known in closed form. Fields compute in double from the float rows,
 * and each row only from itself, as a real model does.
 */
final class AnalyticFlows {

    private AnalyticFlows() {
    }

    /**
     * The exact flow-matching field of the linear path towards data N(μ, s²·I) from noise N(0, I):
     * x_t = t·μ + σ_t·x0 with σ_t² = (1-t)² + t²s², so v(x, t) = μ + (σ_t'/σ_t)·(x - t·μ),
     * σ_t'/σ_t = (t·s² - (1-t)) / σ_t². The exact solution from x0 is x(t) = t·μ + σ_t·x0, so x(1) = μ + s·x0.
     * The label selects the target: mean {@code means[label + 1]} and scale {@code scales[label + 1]} (NO_LABEL
     * uses index 0; labels beyond the arrays use their last entries).
     */
    record Gaussian(double[][] means, double[] scales) implements VelocityField {

        static Gaussian unconditional(double[] mu, double s) {
            return new Gaussian(new double[][] {mu}, new double[] {s});
        }

        @Override
        public void velocity(int rows, float[] x, float[] t, int[] labels, float[] out) {
            int dim = means[0].length;
            for (int r = 0; r < rows; r++) {
                double[] mu = means[Math.min(labels[r] + 1, means.length - 1)];
                double s = scales[Math.min(labels[r] + 1, scales.length - 1)];
                double tt = t[r];
                double sigma2 = (1 - tt) * (1 - tt) + tt * tt * s * s;
                double rate = (tt * s * s - (1 - tt)) / sigma2;
                for (int d = 0; d < dim; d++) {
                    out[r * dim + d] = (float) (mu[d] + rate * (x[r * dim + d] - tt * mu[d]));
                }
            }
        }

        double[] exact(double[] x0, double t, int label) {
            double[] mu = means[Math.min(label + 1, means.length - 1)];
            double s = scales[Math.min(label + 1, scales.length - 1)];
            double sigma = Math.sqrt((1 - t) * (1 - t) + t * t * s * s);
            double[] x = new double[x0.length];
            for (int d = 0; d < x.length; d++) x[d] = t * mu[d] + sigma * x0[d];
            return x;
        }
    }

    /**
     * A nonlinear, non-autonomous field: v(x, t) = ω(t)·(1 + (αx)²)/α with ω(t) = Ω·(1+t)·cos(πt), solved by
     * x(t) = tan(Θ(t) + arctan(αx0))/α, Θ(t) = ∫ω = Ω·((1+t)·sin(πt)/π + (cos(πt) - 1)/π²). Smooth for |αx0| up to
     * about 1 with Ω = 1 (Θ stays within [-0.2, 0.35]), and nonlinear enough to exercise every order condition
     * of a scalar problem.
     */
    record TanFlow(double omega, double alpha, int dim) implements VelocityField {

        @Override
        public void velocity(int rows, float[] x, float[] t, int[] labels, float[] out) {
            for (int r = 0; r < rows; r++) {
                double tt = t[r];
                double w = omega * (1 + tt) * Math.cos(Math.PI * tt);
                for (int d = 0; d < dim; d++) {
                    double ax = alpha * x[r * dim + d];
                    out[r * dim + d] = (float) (w * (1 + ax * ax) / alpha);
                }
            }
        }

        double[] exact(double[] x0, double t) {
            double theta = omega * ((1 + t) * Math.sin(Math.PI * t) / Math.PI + (Math.cos(Math.PI * t) - 1) / (Math.PI * Math.PI));
            double[] x = new double[x0.length];
            for (int d = 0; d < x.length; d++) x[d] = Math.tan(theta + Math.atan(alpha * x0[d])) / alpha;
            return x;
        }
    }

    /**
     * A linear non-autonomous field v(x, t) = (a·π·cos(πt) + b)·x with solution x(t) = exp(a·sin(πt) + b·t)·x0.
     * Its error is proportional to x0 in every element, so no element's error constant vanishes by accident,
     * which keeps measured convergence orders clean.
     */
    record LinearFlow(double a, double b, int dim) implements VelocityField {

        @Override
        public void velocity(int rows, float[] x, float[] t, int[] labels, float[] out) {
            for (int r = 0; r < rows; r++) {
                double rate = a * Math.PI * Math.cos(Math.PI * t[r]) + b;
                for (int d = 0; d < dim; d++) out[r * dim + d] = (float) (rate * x[r * dim + d]);
            }
        }

        double[] exact(double[] x0, double t) {
            double growth = Math.exp(a * Math.sin(Math.PI * t) + b * t);
            double[] x = new double[x0.length];
            for (int d = 0; d < x.length; d++) x[d] = growth * x0[d];
            return x;
        }
    }

    static double maxAbsError(float[] actual, double[] expected) {
        double max = 0;
        for (int d = 0; d < expected.length; d++) max = Math.max(max, Math.abs(actual[d] - expected[d]));
        return max;
    }
}
