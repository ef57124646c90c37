package dev.flowline.batching;

/**
 * Callbacks from the scheduler. They run on the scheduler's device thread: implementations hand work to their own
 * threads (e.g. a Vert.x context) and return quickly.
 */
public interface SchedulerListener {
    /** Exactly once per accepted job. */
    void onCompleted(JobOutcome outcome);

    /** For jobs that asked for progress, after each tick that advanced them (throttling is the caller's concern). */
    default void onProgress(Job job, int stepsDone, int totalSteps, int samplesDone) {}

    /** {@link #onProgress(Job, int, int, int)} with the decoder calls so far (latent models); the scheduler calls this one. */
    default void onProgress(Job job, int stepsDone, int totalSteps, int samplesDone, int decodeCalls) {
        onProgress(job, stepsDone, totalSteps, samplesDone);
    }

    /**
     * For jobs that asked for progress and previews ({@link Job#previewEvery()}), every previewEvery steps of sample 0,
     * right after that tick's progress; in step order, never after the job's completion.
     */
    default void onPreview(SamplePreview preview) {}

    /** Room again after a REJECTED_FULL, once load fell below the low watermark. */
    default void onCapacityAvailable() {}

    /** After each model call (for telemetry and metrics). */
    default void onBatch(BatchRecord batch) {}
}
