package dev.flowline.batching;

/**
 * How the CONTINUOUS scheduler ranks ready work when a model call cannot take it all ({@code batching.policy}).
 * Every policy ranks by effective priority first (a job's priority raised by one level per
 * {@code agingMillisPerLevel} of waiting), so priorities count and nothing starves; they differ below that.
 * Ordering decides only which rows ride in which call, never a sample's bytes.
 */
public enum OrderingPolicy {
    /**
     * Row round-robin (the scheduler before issue 14): the row that has waited longest goes first, aging from when
     * the row became ready. The device becomes a processor-sharing server: when rows are not free, every active
     * sample slows down and the longest jobs pay most.
     */
    ROUND_ROBIN,
    /**
     * Job-aware: the oldest job first (aging from admission), so a started job keeps its rate; an eighth of each
     * call of 16 rows or more is kept for the jobs with the least work left, so short jobs back-fill and never wait
     * a long job out.
     */
    OLDEST_JOB_FIRST,
    /**
     * {@link #OLDEST_JOB_FIRST}, with jobs that have a deadline ahead of the others, least slack (deadline minus
     * now minus the work left at the learned call time) first; also deadline-first admission: among queued jobs
     * the earliest deadline starts first, a job is held back while starting it would make a running job with an
     * earlier deadline miss it, and a job that cannot meet its deadline even alone ends EXPIRED before it uses
     * the device (default).
     */
    LEAST_SLACK_FIRST;

    boolean jobAware() {
        return this != ROUND_ROBIN;
    }
}
