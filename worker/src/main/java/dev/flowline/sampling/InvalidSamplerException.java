package dev.flowline.sampling;

/**
 * A sampler configuration that cannot be run, naming the offending field so that the Kafka side can dead-letter
 * the job with a machine-readable reason.
 *
 * <p>Field names are those of the wire format's {@code SamplerSpec} ({@code solver}, {@code steps},
 * {@code nfeBudget}, {@code schedule}, {@code scheduleParams.shift}, {@code times}, {@code guidanceScale},
 * {@code guidanceInterval}, {@code stochasticity}, {@code solverParams.rtol}, ...). The message always starts
 * with the field name.
 */
public final class InvalidSamplerException extends IllegalArgumentException {

    private final String field;

    public InvalidSamplerException(String field, String problem) {
        super(field + ": " + problem);
        this.field = field;
    }

    /** Throws unless {@code value} is finite and {@code >= 0}. */
    static void requireFiniteNonNegative(String field, double value) {
        if (!Double.isFinite(value) || value < 0) {
            throw new InvalidSamplerException(field, "must be a finite number >= 0, got " + value);
        }
    }

    /** The configuration field at fault, e.g. {@code "guidanceScale"} or {@code "solverParams.rtol"}. */
    public String field() {
        return field;
    }
}
