package dev.flowline.batching;

import dev.flowline.sampling.SampleState;

/** One sample of an admitted job as the scheduler tracks it. Mutated only under the scheduler's lock. */
final class SampleSlot {
    final JobRun run;
    final int index;
    final SampleState state;
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
    }

    @Override
    public String toString() {
        return run.job.jobId() + "#" + index;
    }
}
