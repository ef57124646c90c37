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

    /** The configuration field at fault, e.g. {@code "guidanceScale"} or {@code "solverParams.rtol"}. */
    public String field() {
        return field;
    }
}
