package dev.flowline.bench;

import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.EigenDecomposition;
import org.apache.commons.math3.linear.RealMatrix;

/**
 * The Fréchet (2-Wasserstein) distance between two Gaussians, the statistic behind FID:
 * <pre>
 *   FD = ‖μ1 − μ2‖² + Tr Σ1 + Tr Σ2 − 2 Tr (Σ1 Σ2)^½
 * </pre>
 * For symmetric positive semi-definite Σ1, Σ2 the matrix Σ1 Σ2 is similar to the symmetric PSD
 * {@code √Σ1 · Σ2 · √Σ1}, so {@code Tr (Σ1 Σ2)^½} is the sum of the square roots of that matrix's eigenvalues:
 * two symmetric eigen-decompositions, no non-symmetric matrix square root. Rounding can leave eigenvalues slightly
 * below zero; they are taken as zero, and so is a total a hair below zero.
 */
public final class FrechetDistance {
    private FrechetDistance() {}

    public static double between(GaussianStats a, GaussianStats b) {
        int dim = a.dim();
        if (b.dim() != dim) throw new IllegalArgumentException("statistics of dimensions " + dim + " and " + b.dim());
        double meanTerm = 0;
        for (int i = 0; i < dim; i++) {
            double d = a.mean()[i] - b.mean()[i];
            meanTerm += d * d;
        }
        RealMatrix c1 = symmetric(a.cov());
        RealMatrix c2 = symmetric(b.cov());
        RealMatrix s1 = sqrtPsd(c1);
        RealMatrix m = symmetric(s1.multiply(c2).multiply(s1).getData());
        double traceSqrt = 0;
        for (double ev : new EigenDecomposition(m).getRealEigenvalues()) traceSqrt += Math.sqrt(Math.max(0, ev));
        double fd = meanTerm + c1.getTrace() + c2.getTrace() - 2 * traceSqrt;
        return Math.max(0, fd);
    }

    /** The PSD square root V·diag(√max(λ, 0))·Vᵀ of a symmetric matrix. */
    static RealMatrix sqrtPsd(RealMatrix m) {
        EigenDecomposition e = new EigenDecomposition(m);
        double[] ev = e.getRealEigenvalues();
        RealMatrix v = e.getV();
        int n = ev.length;
        double[][] scaled = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < n; k++) scaled[i][k] = v.getEntry(i, k) * Math.sqrt(Math.max(0, ev[k]));
        }
        return new Array2DRowRealMatrix(scaled, false).multiply(v.transpose());
    }

    /** (M + Mᵀ)/2: exact symmetry, which the symmetric eigen-solver checks for. */
    private static RealMatrix symmetric(double[][] m) {
        int n = m.length;
        double[][] s = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) s[i][j] = 0.5 * (m[i][j] + m[j][i]);
        }
        return new Array2DRowRealMatrix(s, false);
    }
}
