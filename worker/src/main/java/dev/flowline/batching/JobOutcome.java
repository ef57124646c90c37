package dev.flowline.batching;

import java.util.List;

/**
 * How a job ended, handed to {@link SchedulerListener#onCompleted} exactly once per accepted job.
 *
 * @param samples       one float[dim] per sample for SUCCEEDED, empty otherwise
 * @param errorCode     machine-readable reason when not SUCCEEDED (e.g. MODEL_ERROR, NON_FINITE_OUTPUT, DEADLINE, CANCELLED)
 * @param queuedNanos   from admission to the job's first model call (or to its end if it never ran)
 * @param samplingNanos from the first model call to completion
 * @param nfe           largest evaluation count over the job's samples
 * @param modelCalls    model calls the job's rows rode in
 * @param meanBatchRows mean rows of those calls
 * @param maxBatchRows  largest of those calls
 * @param decodeCalls   decoder calls the job's latents rode in (latent models; 0 otherwise)
 * @param dedupedSamples samples of this job computed once for it and an identical in-flight sample of another job
 */
public record JobOutcome(Job job, JobStatus status, String errorCode, String errorMessage, List<float[]> samples,
                         long queuedNanos, long samplingNanos, int nfe, int modelCalls, double meanBatchRows,
                         int maxBatchRows, int decodeCalls, int dedupedSamples) {

    /** An outcome without decode calls or deduplicated samples. */
    public JobOutcome(Job job, JobStatus status, String errorCode, String errorMessage, List<float[]> samples,
                      long queuedNanos, long samplingNanos, int nfe, int modelCalls, double meanBatchRows, int maxBatchRows) {
        this(job, status, errorCode, errorMessage, samples, queuedNanos, samplingNanos, nfe, modelCalls, meanBatchRows,
                maxBatchRows, 0, 0);
    }
}
