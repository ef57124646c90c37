package dev.flowline.batching;

/** The scheduler's immediate answer to {@code offer(job)}; it never blocks the caller. */
public enum Admission {
    ACCEPTED,
    /** At capacity: the caller should pause intake and retry after the capacity listener fires. */
    REJECTED_FULL,
    /** The scheduler is draining or closed. */
    REJECTED_SHUTDOWN,
    /** A job with this id is already queued or running. */
    REJECTED_DUPLICATE,
    /** No model of this name (the caller should fail the job). */
    REJECTED_UNKNOWN_MODEL
}
