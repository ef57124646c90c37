package dev.flowline.output;

/** A store write that failed; {@link #kind()} says why, the message says what to check and never holds a secret. */
public final class OutputStoreException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Closed set of failure kinds (metric tag {@code kind}). */
    public enum Kind {
        /** Connection refused, reset, DNS, 5xx: worth retrying. */
        UNAVAILABLE,
        /** An attempt ran past outputs.requestTimeoutMs. */
        TIMEOUT,
        /** 403: wrong credentials or a missing s3:PutObject grant. */
        DENIED,
        /** 404: the bucket does not exist. */
        NO_BUCKET,
        /** The store stored other bytes than were sent (or said it received other bytes). */
        CHECKSUM_MISMATCH,
        /** Anything else. */
        OTHER
    }

    private final Kind kind;

    public OutputStoreException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
