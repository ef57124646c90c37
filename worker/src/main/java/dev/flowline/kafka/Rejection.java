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
    public static Rejection of(String errorCode, Throwable cause, String jobId) {
        return new Rejection(errorCode, cause.getClass().getName(), String.valueOf(cause.getMessage()), jobId);
    }
}
