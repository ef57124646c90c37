package dev.flowline.batching;

/**
 * A cheap, consistent view of a scheduler's state, for telemetry gauges.
 *
 * @param queuedJobs    admitted jobs waiting for the active set
 * @param activeJobs    jobs whose samples are being integrated
 * @param activeSamples unfinished samples of the active jobs
 * @param activeRows    rows the active samples' next evaluations need (a guided evaluation takes two)
 * @param jobsInFlight  queued + active jobs
 * @param ticks         scheduling decisions taken so far
 * @param modelCalls    model calls so far
 * @param rows          rows over all model calls so far
 */
public record SchedulerSnapshot(int queuedJobs, int activeJobs, int activeSamples, int activeRows, int jobsInFlight,
                                long ticks, long modelCalls, long rows) {
}
