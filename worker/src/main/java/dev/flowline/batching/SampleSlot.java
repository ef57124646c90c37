package dev.flowline.batching;

import dev.flowline.sampling.SampleState;

/** One sample of an admitted job as the scheduler tracks it. Mutated only under the scheduler's lock. */
final class SampleSlot {
    final JobRun run;
    final int index;
    /** The sample's state; a follower's is its driver's (the shared computation), see {@link SampleSharing}. */
    SampleState state;
    /** Identical-sample key (null: never shared), see {@link Job#dedupKey()}. */
    final String dedupKey;
    /** For a follower: the slot whose computation it shares; null for a slot that takes its own model rows. */
    SampleSlot driver;
    /** For a driver: the slots sharing its computation (ended ones are skipped lazily); null when none. */
    java.util.ArrayList<SampleSlot> followers;
    /** Model rows this slot's computation has taken so far (a follower that takes over inherits the count). */
    long rowsDone;
    /** For a driver whose job ended while followers remained: the follower that took the computation over. */
    SampleSlot successor;
    /** Rows of the pending evaluation (1 or 2), cached from {@link SampleState#rowsNeeded()} after each step. */
    int rows;
    /** When the pending evaluation became ready: activation, or the end of the sample's last model call. */
    long readySinceNanos;
    /** Order in which pending evaluations became ready (unique): first come, first served among equal times. */
    long readyOrder;
    /** Whether the sample has ridden in any model call (a fresh cohort may wait for company, a running one never). */
    boolean evaluated;
    /** Finished integrating and waiting in its model's decode group (latent models); {@link #rows} is then 1. */
    boolean decoding;
    /** The decoded sample, once its decode call succeeded: the job's output instead of the latent. */
    float[] decoded;
    /**
     * A preview's decode row (latent models, {@link #previewOnly}): the preview whose estimate it decodes. On a
     * sample's own slot: the preview at its last step, which its final decode answers (no row of its own).
     */
    SamplePreview preview;
    /** A decode row of a preview estimate, not one of the job's samples (never in {@link JobRun#slots}). */
    boolean previewOnly;
    /** Finished, or its job ended: it must not be batched again. */
    boolean done;
    /** Scratch for one batch-forming pass: effective priority at that pass's time. */
    long effectivePriority;
    /** Scratch: the forming pass that put this sample in its call. */
    long takenInPass = -1;

    SampleSlot(JobRun run, int index, SampleState state) {
        this.run = run;
        this.index = index;
        this.state = state;
        this.dedupKey = run.job.dedupKey() == null ? null : run.job.dedupKey() + "#" + index;
    }

    /** A decode row of {@code preview}'s estimate for {@code run}: waits in the decode group like a finished latent. */
    static SampleSlot previewDecode(JobRun run, SamplePreview preview, SampleState state) {
        SampleSlot p = new SampleSlot(run, preview.sampleIndex(), state);
        p.preview = preview;
        p.previewOnly = true;
        p.decoding = true;
        p.rows = 1;
        return p;
    }

    @Override
    public String toString() {
        if (previewOnly) return run.job.jobId() + "#" + index + "@preview" + preview.step();
        return run.job.jobId() + "#" + index;
    }
}
