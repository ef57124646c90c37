package dev.flowline.batching;

import dev.flowline.model.LatentDecoder;
import dev.flowline.model.VelocityModel;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/** The scheduler's bookkeeping of one admitted job, from admission to its single outcome. Guarded by the core. */
final class JobRun {
    enum Phase { QUEUED, ACTIVE, ENDED }

    final Job job;
    final VelocityModel model;
    /** Compatibility key: model name and sample shape (fp32 throughout). */
    final String groupKey;
    /** For request-level batching: key, planned steps and rows per evaluation of the first sample, job's samplerKey. */
    final String shapeSignature;
    /** Rows of one evaluation of every sample, for request-level batch sizing. */
    final int rowsPerEvaluation;
    /** Admission order, the final tie-breaker everywhere. */
    final long seq;
    final long admittedNanos;
    /** Long.MAX_VALUE when the job has no deadline. */
    final long deadlineNanos;
    final List<SampleSlot> slots;

    /** The model's decoder (latent models): finished samples are decoded before the job succeeds; null otherwise. */
    LatentDecoder decoder;
    int decodeCalls;
    /** The last decode call counted, so that a job with several latents in one call counts it once. */
    long lastDecodeSeq = -1;
    Phase phase = Phase.QUEUED;
    boolean cancelRequested;
    /** Start of the first model call the job rode in; -1 before. */
    long firstCallNanos = -1;
    /** Start of the last model call the job rode in; -1 before. */
    long lastCallNanos = -1;
    /** Samples not yet finished; the job succeeds when it reaches 0. Invariant: equals slots not done while ACTIVE. */
    int samplesLeft;
    int modelCalls;
    long rowsInCalls;
    int maxCallRows;
    /** The last batch plan that listed this job, for counting a plan's distinct jobs. */
    long plannedInBatch = -1;
    /** The last batch counted in modelCalls, so that a job with several rows in one call counts it once. */
    long lastBatchSeq = -1;
    /** Scratch of a job-aware forming pass (set once per pass, see {@link #rankedInPass}): lower goes first. */
    long rank;
    /** Scratch: evaluations the job's slowest sample still needs (an estimate, never above the truth when known). */
    long workLeft;
    /** Scratch: the job's effective priority in that pass. */
    long effectivePriority;
    long rankedInPass = -1;
    /** Samples that joined an identical in-flight sample of another job instead of taking model rows. */
    int dedupedSamples;
    /** Steps of sample 0 at the last preview sent (previews go out at multiples of previewEvery). */
    int lastPreviewStep;
    /**
     * Latent models: the job's events held back behind a preview whose estimate is being decoded, in the order they
     * would have gone out undecoded: decode rows of previews ({@link SampleSlot}, a preview's or sample 0's own) and
     * progress events ({@link SchedulerEvent.Progress}, consecutive ones coalesced to the latest). Empty when none.
     */
    final ArrayDeque<Object> held = new ArrayDeque<>();

    JobRun(Job job, VelocityModel model, String groupKey, long seq, long admittedNanos, long deadlineNanos) {
        this.job = job;
        this.model = model;
        this.groupKey = groupKey;
        this.seq = seq;
        this.admittedNanos = admittedNanos;
        this.deadlineNanos = deadlineNanos;
        this.slots = new ArrayList<>(job.samples().size());
        for (int i = 0; i < job.samples().size(); i++) slots.add(new SampleSlot(this, i, job.samples().get(i)));
        this.samplesLeft = slots.size();
        var first = job.samples().get(0);
        this.rowsPerEvaluation = Math.max(1, first.rowsNeeded());
        this.shapeSignature = groupKey + "/steps=" + first.totalSteps() + "/rows=" + rowsPerEvaluation
                + (job.samplerKey() == null ? "" : "/" + job.samplerKey());
    }

    int samples() {
        return slots.size();
    }

    boolean started() {
        return firstCallNanos >= 0;
    }

    /** Rows of model calls the job still needs: {@link #evaluationsLeft()} of every sample's rows. */
    long rowsLeft() {
        return evaluationsLeft() * samples() * rowsPerEvaluation;
    }

    /**
     * Evaluations the job's slowest unfinished sample still needs: exact when the job says how many a sample takes
     * ({@link Job#evaluationsPerSample()}, fixed-step solvers); else remaining steps times the evaluations per step
     * seen so far (one before its first step), a lower bound for fixed-step solvers and an estimate for adaptive ones.
     */
    long evaluationsLeft() {
        long most = 0;
        int planned = job.evaluationsPerSample();
        for (SampleSlot s : slots) {
            if (s.done) continue;
            try {
                if (planned > 0) {
                    most = Math.max(most, Math.max(1, planned - s.state.nfe()));
                    continue;
                }
                int steps = s.state.stepsDone();
                long perStep = steps > 0 ? Math.max(1, s.state.nfe() / steps) : 1;
                most = Math.max(most, Math.max(1, s.state.totalSteps() * perStep - s.state.nfe()));
            } catch (RuntimeException e) { // a broken state fails its job at its next step; rank it as nearly done
                most = Math.max(most, 1);
            }
        }
        return most;
    }

    /** Counts one model call of {@code rows} rows that this job's rows rode in, once per call. */
    void countCall(long batchSeq, int rows, long callStartNanos) {
        if (lastBatchSeq == batchSeq) return;
        lastBatchSeq = batchSeq;
        modelCalls++;
        rowsInCalls += rows;
        maxCallRows = Math.max(maxCallRows, rows);
        if (firstCallNanos < 0) firstCallNanos = callStartNanos;
        lastCallNanos = callStartNanos;
    }

    /** Counts one decode call this job's latents rode in, once per call. */
    void countDecode(long batchSeq) {
        if (lastDecodeSeq == batchSeq) return;
        lastDecodeSeq = batchSeq;
        decodeCalls++;
    }

    /** Steps of the slowest sample, planned steps of the longest, samples finished. */
    SchedulerEvent.Progress progress() {
        int minSteps = Integer.MAX_VALUE;
        int maxTotal = 0;
        for (SampleSlot s : slots) {
            minSteps = Math.min(minSteps, s.state.stepsDone());
            maxTotal = Math.max(maxTotal, s.state.totalSteps());
        }
        return new SchedulerEvent.Progress(job, minSteps, maxTotal, slots.size() - samplesLeft, decodeCalls);
    }

    /** The job's single outcome; a SUCCEEDED job whose results cannot be read ends FAILED instead. */
    JobOutcome outcome(JobStatus status, String errorCode, String errorMessage, long endNanos) {
        List<float[]> results = List.of();
        int nfe = 0;
        try {
            for (SampleSlot s : slots) nfe = Math.max(nfe, s.state.nfe());
            if (status == JobStatus.SUCCEEDED) {
                List<float[]> r = new ArrayList<>(slots.size());
                for (SampleSlot s : slots) r.add(s.decoded != null ? s.decoded : s.state.result());
                results = List.copyOf(r);
            }
        } catch (RuntimeException e) {
            status = JobStatus.FAILED;
            errorCode = BatchResult.SAMPLER_ERROR;
            errorMessage = "job " + job.jobId() + ": reading its samples failed: " + e;
            results = List.of();
        }
        long queued = (started() ? firstCallNanos : endNanos) - admittedNanos;
        long sampling = started() ? endNanos - firstCallNanos : 0;
        double meanRows = modelCalls == 0 ? 0 : (double) rowsInCalls / modelCalls;
        return new JobOutcome(job, status, errorCode, errorMessage, results, Math.max(0, queued), Math.max(0, sampling),
                nfe, modelCalls, meanRows, maxCallRows, decodeCalls, dedupedSamples);
    }

    @Override
    public String toString() {
        return "JobRun[" + job.jobId() + " " + phase + " left=" + samplesLeft + "]";
    }
}
