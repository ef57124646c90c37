package dev.flowline.batching;

import dev.flowline.sampling.SampleState;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A job as the scheduler sees it: N sample states of one model. Built at the Kafka edge from a validated request.
 * Required: jobId, model, samples. Optional: priority (0), deadline (none), progress (off), origin (the caller's
 * {@link Origin}, handed back untouched with the job, e.g. the Kafka record and how to build its result), samplerKey (none: see
 * {@link Builder#optSamplerKey}), dedupKey (none: see {@link Builder#optDedupKey}), previewEvery (0: see
 * {@link Builder#optPreviewEvery}).
 */
public final class Job {
    private final String jobId;
    private final String model;
    private final List<SampleState> samples;
    private final int priority;
    private final Instant deadline;
    private final boolean progress;
    private final Origin origin;
    private final String samplerKey;
    private final String dedupKey;
    private final int previewEvery;
    private final StepChoice stepChoice;
    private final StepChoice.Candidate chosen;
    private final int evaluationsPerSample;

    /**
     * Where a job came from, as its caller knows it: implemented by the caller's own type (the Kafka edge's ticket,
     * a benchmark's arrival) and handed back untouched wherever the job is (outcomes, progress, previews, abandoned
     * jobs). The scheduler never looks inside, so this package needs nothing of its callers.
     */
    public interface Origin {
    }

    private Job(Builder b) {
        this.jobId = b.jobId;
        this.model = b.model;
        this.samples = List.copyOf(b.samples);
        this.priority = b.priority;
        this.deadline = b.deadline;
        this.progress = b.progress;
        this.origin = b.origin;
        this.samplerKey = b.samplerKey;
        this.dedupKey = b.dedupKey;
        this.previewEvery = b.previewEvery;
        this.stepChoice = b.stepChoice;
        this.chosen = b.chosen;
        this.evaluationsPerSample = b.evaluationsPerSample;
    }

    public static Builder builder() {
        return new Builder();
    }

    public String jobId() { return jobId; }
    public String model() { return model; }
    public List<SampleState> samples() { return samples; }
    public int priority() { return priority; }
    /** Null when the job has no deadline. */
    public Instant deadline() { return deadline; }
    public boolean progress() { return progress; }
    /** Null when the caller gave none. */
    public Origin origin() { return origin; }
    /** Null when not given. */
    public String samplerKey() { return samplerKey; }
    /** Null when not given: the job's samples are never shared. */
    public String dedupKey() { return dedupKey; }
    /** 0 when off. */
    public int previewEvery() { return previewEvery; }
    /** Null when the job runs one fixed sampler (no step range, no quality tier). */
    public StepChoice stepChoice() { return stepChoice; }
    /** The candidate the scheduler chose from {@link #stepChoice()} at admission; null when none was chosen. */
    public StepChoice.Candidate chosen() { return chosen; }
    /** The step count of the {@link #chosen()} candidate; 0 when none was chosen. */
    public int chosenSteps() { return chosen == null ? 0 : chosen.steps(); }
    /** Network evaluations one sample takes in all, when known in advance (fixed-step solvers); 0 when not. */
    public int evaluationsPerSample() { return evaluationsPerSample; }

    /** This job with its samples built for candidate {@code index} of its step choice, recorded as chosen. */
    Job withChosen(int index) {
        if (stepChoice == null) throw new IllegalStateException("job " + jobId + " has no step range or tier");
        StepChoice.Candidate c = stepChoice.candidate().apply(index);
        Builder b = new Builder().setJobId(jobId).setModel(model).setSamples(stepChoice.samplesFor().apply(index))
                .optPriority(priority).optDeadline(deadline).optProgress(progress).optOrigin(origin)
                // the keys were made for the largest candidate: only jobs that run the same candidate batch
                // request-level together or share samples
                .optSamplerKey(samplerKey == null ? null : samplerKey + "/chosen=" + c)
                .optStepChoice(stepChoice).optPreviewEvery(previewEvery)
                .optEvaluationsPerSample(c.evaluations())
                .optDedupKey(dedupKey == null ? null : dedupKey + "|chosen=" + c);
        b.chosen = c;
        return b.build();
    }

    @Override
    public String toString() {
        return "Job[" + jobId + " model=" + model + " samples=" + samples.size() + " priority=" + priority + "]";
    }

    public static final class Builder {
        private String jobId;
        private String model;
        private List<SampleState> samples;
        private int priority;
        private Instant deadline;
        private boolean progress;
        private Origin origin;
        private String samplerKey;
        private String dedupKey;
        private int previewEvery;
        private StepChoice stepChoice;
        private StepChoice.Candidate chosen;
        private int evaluationsPerSample;

        public Builder setJobId(String jobId) { this.jobId = jobId; return this; }
        public Builder setModel(String model) { this.model = model; return this; }
        public Builder setSamples(List<SampleState> samples) { this.samples = samples; return this; }
        public Builder optPriority(int priority) { this.priority = priority; return this; }
        public Builder optDeadline(Instant deadline) { this.deadline = deadline; return this; }
        public Builder optProgress(boolean progress) { this.progress = progress; return this; }
        public Builder optOrigin(Origin origin) { this.origin = origin; return this; }

        /**
         * What makes two jobs' samplers alike for request-level batching (e.g. solver, steps and guidance), which runs
         * a set of jobs to completion together. Jobs are always kept apart by steps and rows per evaluation; this
         * also keeps apart samplers those do not tell apart (heun and euler with equal steps need different NFE).
         */
        public Builder optSamplerKey(String samplerKey) { this.samplerKey = samplerKey; return this; }

        /**
         * What makes sample i of this job identical to sample i of another job with the same key: everything its bytes
         * depend on (model, conditioning, guidance, sampler with its parameters, seed). While such a sample is in flight,
         * the scheduler computes it once for both jobs (unless {@code batching.dedup} is off). A key that leaves out
         * something the bytes depend on would hand one job another's samples.
         */
        public Builder optDedupKey(String dedupKey) { this.dedupKey = dedupKey; return this; }

        /**
         * With progress on: every this many steps of sample 0, a preview of its current estimate of the final sample
         * ({@link SchedulerListener#onPreview}); 0 (the default) for none.
         */
        public Builder optPreviewEvery(int previewEvery) { this.previewEvery = previewEvery; return this; }

        /**
         * A step range or quality tier instead of one sampler: the scheduler picks the candidate at admission (see
         * {@link StepChoice}); {@code samples} are then the samples of its largest candidate, what runs when the
         * scheduler has no reason to pick less.
         */
        public Builder optStepChoice(StepChoice stepChoice) { this.stepChoice = stepChoice; return this; }

        /**
         * Network evaluations one sample takes in all, when the sampler fixes it (default 0: unknown). The scheduler
         * then knows a job's work before its first step: deadline slack, back-fill and load-adaptive step counts use it.
         */
        public Builder optEvaluationsPerSample(int evaluations) { this.evaluationsPerSample = evaluations; return this; }

        public Job build() {
            Objects.requireNonNull(jobId, "jobId");
            Objects.requireNonNull(model, "model");
            Objects.requireNonNull(samples, "samples");
            if (samples.isEmpty()) throw new IllegalArgumentException("job " + jobId + " has no samples");
            if (previewEvery < 0) throw new IllegalArgumentException("job " + jobId + ": previewEvery must be >= 0, got " + previewEvery);
            return new Job(this);
        }
    }
}
