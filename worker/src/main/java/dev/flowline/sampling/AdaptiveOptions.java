package dev.flowline.sampling;

import java.util.Map;

/**
 * Step-size control of an adaptive (embedded) solver, per sample.
 *
 * <p>A step is accepted when the RMS over the sample's elements of {@code err_i / (atol + rtol·max(|x_i|, |x'_i|))}
 * is at most 1. A step that the controller would shrink below {@code minStep} is taken at {@code minStep} and
 * accepted anyway, so that a hard sample cannot stall its batch. When a sample has used {@code maxNfe} evaluations it
 * finishes with its last accepted state, at the time it reached, instead of failing.
 *
 * @param rtol    relative tolerance, ≥ 0
 * @param atol    absolute tolerance, ≥ 0 (rtol and atol not both 0)
 * @param minStep smallest step, in (0, maxStep]
 * @param maxStep largest step, in (0, 1]
 * @param maxNfe  evaluation cap per sample, ≥ 1
 */
public record AdaptiveOptions(double rtol, double atol, double minStep, double maxStep, int maxNfe) {

    public static final double DEFAULT_RTOL = 1e-4;
    public static final double DEFAULT_ATOL = 1e-4;
    public static final double DEFAULT_MIN_STEP = 1e-4;
    public static final double DEFAULT_MAX_STEP = 1.0;
    public static final int DEFAULT_MAX_NFE = 500;

    public static final AdaptiveOptions DEFAULT =
            new AdaptiveOptions(DEFAULT_RTOL, DEFAULT_ATOL, DEFAULT_MIN_STEP, DEFAULT_MAX_STEP, DEFAULT_MAX_NFE);

    public AdaptiveOptions {
        InvalidSamplerException.requireFiniteNonNegative("solverParams.rtol", rtol);
        InvalidSamplerException.requireFiniteNonNegative("solverParams.atol", atol);
        if (rtol == 0 && atol == 0) throw new InvalidSamplerException("solverParams.atol", "rtol and atol must not both be 0");
        if (!(maxStep > 0) || maxStep > 1) {
            throw new InvalidSamplerException("solverParams.maxStep", "must be in (0, 1], got " + maxStep);
        }
        if (!(minStep > 0) || minStep > maxStep) {
            throw new InvalidSamplerException("solverParams.minStep", "must be in (0, maxStep = " + maxStep + "], got " + minStep);
        }
        if (maxNfe < 1) throw new InvalidSamplerException("solverParams.maxNfe", "must be >= 1, got " + maxNfe);
    }

    /**
     * Reads a job's {@code solverParams} over the defaults; keys are {@code rtol}, {@code atol}, {@code minStep},
     * {@code maxStep}, {@code maxNfe} (a whole number).
     */
    public static AdaptiveOptions parse(Map<String, Double> params) {
        double rtol = DEFAULT_RTOL, atol = DEFAULT_ATOL, minStep = DEFAULT_MIN_STEP, maxStep = DEFAULT_MAX_STEP;
        int maxNfe = DEFAULT_MAX_NFE;
        for (Map.Entry<String, Double> e : params.entrySet()) {
            String field = "solverParams." + e.getKey();
            double value = e.getValue() == null ? Double.NaN : e.getValue();
            switch (e.getKey()) {
                case "rtol" -> rtol = value;
                case "atol" -> atol = value;
                case "minStep" -> minStep = value;
                case "maxStep" -> maxStep = value;
                case "maxNfe" -> {
                    if (value != Math.rint(value) || value < 1 || value > Integer.MAX_VALUE) {
                        throw new InvalidSamplerException(field, "must be a whole number >= 1, got " + value);
                    }
                    maxNfe = (int) value;
                }
                default -> throw new InvalidSamplerException(field,
                        "unknown solver parameter; valid: rtol, atol, minStep, maxStep, maxNfe");
            }
            if (Double.isNaN(value)) throw new InvalidSamplerException(field, "must be a number, got NaN");
        }
        return new AdaptiveOptions(rtol, atol, minStep, maxStep, maxNfe);
    }

    AdaptiveOptions withMaxNfe(int cap) {
        return new AdaptiveOptions(rtol, atol, minStep, maxStep, cap);
    }
}
