package dev.flowline.kafka;

/**
 * Why a record is not a job: becomes a dead-letter record.
 *
 * @param errorCode    machine-readable, e.g. {@code DECODE_BAD_HEADER}, {@code INVALID_FIELD}, {@code UNKNOWN_MODEL}
 * @param errorClass   the exception class that said so
 * @param errorMessage human-readable; for an invalid field it starts with the field's name
 * @param jobId        the job id when the record decoded far enough to have one, else null
 */
public record Rejection(String errorCode, String errorClass, String errorMessage, String jobId) {
    /** Longest message and job id a dead letter carries: a hostile record must not make its dead letter huge. */
    public static final int MAX_MESSAGE_CHARS = 2000;
    public static final int MAX_ID_CHARS = 600;

    public Rejection {
        errorMessage = abbreviate(errorMessage, MAX_MESSAGE_CHARS);
        jobId = abbreviate(jobId, MAX_ID_CHARS);
    }

    /** {@code s} cut to {@code max} characters, saying how long it was; null stays null. */
    public static String abbreviate(String s, int max) {
        if (s == null || s.length() <= max) return s;
        return s.substring(0, max) + "...[" + s.length() + " chars]";
    }

    public static Rejection of(String errorCode, Throwable cause, String jobId) {
        return new Rejection(errorCode, cause.getClass().getName(), String.valueOf(cause.getMessage()), jobId);
    }
}
