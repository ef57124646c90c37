package dev.flowline.batching;

/**
 * One model call, for telemetry.
 *
 * @param groupKey    compatibility key (model and sample shape)
 * @param rows        rows in the call
 * @param samples     distinct samples in the call
 * @param jobs        distinct jobs in the call
 * @param modelNanos  time inside the model call
 * @param waitNanos   time spent in the maxDelay window before the call
 * @param copyNanos   time stacking inputs and scattering outputs
 * @param queuedJobs  jobs waiting for admission to the active set after the call
 * @param activeSamples samples active after the call
 * @param dedupedRows model rows saved since the previous call by identical-sample deduplication: this call's rows
 *                    times the other jobs sharing them, plus the rows already taken by samples that got new followers
 * @param previewRows  decode calls only: rows of the call that decoded a preview's estimate (the rest are finished latents)
 * @param previewsDropped decode calls only: preview rows whose decode failed; those previews are not sent, their jobs go on
 */
public record BatchRecord(String groupKey, int rows, int samples, int jobs, long modelNanos, long waitNanos,
                          long copyNanos, int queuedJobs, int activeSamples, long dedupedRows, int previewRows,
                          int previewsDropped) {

    public BatchRecord(String groupKey, int rows, int samples, int jobs, long modelNanos, long waitNanos, long copyNanos,
                       int queuedJobs, int activeSamples, long dedupedRows) {
        this(groupKey, rows, samples, jobs, modelNanos, waitNanos, copyNanos, queuedJobs, activeSamples, dedupedRows, 0, 0);
    }

    /** A call whose samples nobody shared. */
    public BatchRecord(String groupKey, int rows, int samples, int jobs, long modelNanos, long waitNanos, long copyNanos,
                       int queuedJobs, int activeSamples) {
        this(groupKey, rows, samples, jobs, modelNanos, waitNanos, copyNanos, queuedJobs, activeSamples, 0);
    }

    /** Whether this was a call of a latent model's decoder (its group is a decode group), not a velocity call. */
    public boolean isDecode() {
        return groupKey.endsWith(DecodeExecutor.KEY_SUFFIX);
    }
}
