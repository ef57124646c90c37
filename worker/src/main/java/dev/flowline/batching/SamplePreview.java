package dev.flowline.batching;

/**
 * A job's preview: sample {@code sampleIndex}'s current estimate of its final sample (see
 * {@link dev.flowline.sampling.SampleState#finalEstimate()}), taken after {@code step} steps at flow time {@code t}.
 *
 * @param totalSteps planned steps of that sample
 * @param samplesDone the job's finished samples
 * @param estimate float[dim], the sample's layout; for a latent model (one with a decoder), the estimate decoded
 *                 (the decoder's output layout, as the job's outputs); owned by the receiver
 */
public record SamplePreview(Job job, int sampleIndex, int step, int totalSteps, int samplesDone, double t, float[] estimate) {
    /** This preview with another estimate (its decoded form). */
    SamplePreview withEstimate(float[] estimate) {
        return new SamplePreview(job, sampleIndex, step, totalSteps, samplesDone, t, estimate);
    }
}
