package dev.flowline.kafka;

/**
 * A decoded request that cannot become a job. {@link #errorCode()} is the dead-letter code; for a bad field the
 * message starts with the field's path in the request, e.g. {@code sampler.steps: must be in [1, 1000], got 0}.
 */
public final class InvalidJobException extends Exception {
    private static final long serialVersionUID = 1L;

    /** A field of the request is invalid or beyond the worker's limits. */
    public static final String INVALID_FIELD = "INVALID_FIELD";
    /** The request names a model the worker does not serve. */
    public static final String UNKNOWN_MODEL = "UNKNOWN_MODEL";

    private final String errorCode;
    private final String field;

    public InvalidJobException(String errorCode, String field, String message, Throwable cause) {
        super(field == null ? message : field + ": " + message, cause);
        this.errorCode = errorCode;
        this.field = field;
    }

    public static InvalidJobException field(String field, String message) {
        return new InvalidJobException(INVALID_FIELD, field, message, null);
    }

    public String errorCode() {
        return errorCode;
    }

    /** The request field at fault, or null. */
    public String field() {
        return field;
    }
}
