package dev.flowline.schema;

import java.util.Objects;

/**
 * A byte array that is not a readable Flowline message. Thrown by {@link MessageCodec#decode}; the
 * {@link #reason()} says which check failed, so that an intake can dead-letter the record with a
 * machine-readable code ({@link Reason#errorCode()}) and the message as the human-readable part.
 */
public final class MessageDecodeException extends Exception {

    private static final long serialVersionUID = 1L;

    /** Why a message could not be decoded, in the order the checks run. */
    public enum Reason {
        /** Null or zero bytes. */
        EMPTY,
        /** Shorter than the 10-byte header, or not starting with the marker C3 01. */
        BAD_HEADER,
        /** The fingerprint names no schema this codec knows (neither released nor current). */
        UNKNOWN_SCHEMA,
        /** The fingerprint is known but belongs to another record type than the one asked for. */
        WRONG_TYPE,
        /** The body ends before the writer schema says it should. */
        TRUNCATED,
        /** A complete body is followed by more bytes. */
        TRAILING_BYTES,
        /** The body is well formed but the writer schema cannot be resolved to the reader's for this value. */
        INCOMPATIBLE,
        /** Anything else: negative or absurd lengths, bad union or enum index, invalid UTF-8, bad varint. */
        CORRUPT;

        /** The code a dead-letter record carries, e.g. {@code DECODE_BAD_HEADER}. */
        public String errorCode() {
            return "DECODE_" + name();
        }
    }

    private final Reason reason;

    public MessageDecodeException(Reason reason, String message) {
        this(reason, message, null);
    }

    public MessageDecodeException(Reason reason, String message, Throwable cause) {
        super(Objects.requireNonNull(reason, "reason") + ": " + message, cause);
        this.reason = reason;
    }

    /** Which check failed. */
    public Reason reason() {
        return reason;
    }
}
