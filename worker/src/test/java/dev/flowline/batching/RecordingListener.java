package dev.flowline.batching;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/** Records every callback, in order, thread-safely; lets a test wait for completions. */
class RecordingListener implements SchedulerListener {
    record ProgressCall(String jobId, int stepsDone, int totalSteps, int samplesDone) {}

    final List<JobOutcome> outcomes = new CopyOnWriteArrayList<>();
    final List<ProgressCall> progress = new CopyOnWriteArrayList<>();
    final List<BatchRecord> batches = new CopyOnWriteArrayList<>();
    final List<SamplePreview> previews = new CopyOnWriteArrayList<>();
    /** "completed:<id>", "capacity", "preview:<id>:<step>", in order. */
    final List<String> log = new CopyOnWriteArrayList<>();
    /** "progress:<id>:<step>" and "preview:<id>:<step>", in order. */
    final List<String> steps = new CopyOnWriteArrayList<>();

    @Override
    public void onCompleted(JobOutcome outcome) {
        outcomes.add(outcome);
        log.add("completed:" + outcome.job().jobId());
        synchronized (this) {
            notifyAll();
        }
    }

    @Override
    public void onProgress(Job job, int stepsDone, int totalSteps, int samplesDone) {
        progress.add(new ProgressCall(job.jobId(), stepsDone, totalSteps, samplesDone));
        steps.add("progress:" + job.jobId() + ":" + stepsDone);
    }

    @Override
    public void onPreview(SamplePreview preview) {
        previews.add(preview);
        log.add("preview:" + preview.job().jobId() + ":" + preview.step());
        steps.add("preview:" + preview.job().jobId() + ":" + preview.step());
    }

    @Override
    public void onCapacityAvailable() {
        log.add("capacity");
    }

    @Override
    public void onBatch(BatchRecord batch) {
        batches.add(batch);
    }

    long capacityEvents() {
        return log.stream().filter("capacity"::equals).count();
    }

    List<String> completionOrder() {
        return outcomes.stream().map(o -> o.job().jobId()).toList();
    }

    JobOutcome outcome(String jobId) {
        List<JobOutcome> found = outcomes.stream().filter(o -> o.job().jobId().equals(jobId)).toList();
        if (found.size() != 1) throw new AssertionError("job " + jobId + " has " + found.size() + " outcomes");
        return found.get(0);
    }

    Map<String, Integer> outcomeCounts() {
        Map<String, Integer> counts = new HashMap<>();
        for (JobOutcome o : new ArrayList<>(outcomes)) counts.merge(o.job().jobId(), 1, Integer::sum);
        return counts;
    }

    /** Waits (test safety net only, never an assertion on time) until n outcomes arrived. */
    synchronized void awaitOutcomes(int n, Duration max) throws InterruptedException {
        long end = System.nanoTime() + max.toNanos();
        while (outcomes.size() < n) {
            long left = end - System.nanoTime();
            if (left <= 0) throw new AssertionError("only " + outcomes.size() + " of " + n + " outcomes arrived");
            TimeUnit.NANOSECONDS.timedWait(this, Math.min(left, 50_000_000L));
        }
    }
}
