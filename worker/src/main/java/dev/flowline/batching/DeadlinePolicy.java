package dev.flowline.batching;

/** When a job past its deadline is removed and completed EXPIRED. */
public enum DeadlinePolicy {
    /** Only while it waits for its first evaluation; once running it finishes. */
    BEFORE_START,
    /** Also mid-flight, at the next tick (default). */
    ANYTIME
}
