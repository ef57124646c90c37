package dev.flowline.batching;

/**
 * When a job that asked for previews gets one: after a model call that advanced it, when sample 0 has just reached
 * a multiple of {@link Job#previewEvery()} steps. Only sample 0 is previewed (one small image per event is what a
 * watcher needs; a job's samples advance together). Runs under the core's lock, after the job's progress event, so
 * previews go out in step order and never after the job's end (ended jobs are not advanced). For a latent model the
 * core first decodes the estimate in the model's decode group and holds the job's later events behind it (see
 * {@code SchedulerCore#queuePreviewDecode}).
 */
final class Previews {
    private Previews() {}

    /** The preview due for {@code run} now, or null. */
    static SchedulerEvent.Preview due(JobRun run) {
        int every = run.job.previewEvery();
        if (every <= 0 || !run.job.progress()) return null;
        SampleSlot s = run.slots.get(0);
        try {
            int steps = s.state.stepsDone();
            // exact multiples, each once: a call moves a sample by one evaluation, so sample 0 passes every step count
            // in a call it rode (a stage that completes no step leaves it where it was); a job that joined a shared
            // sample mid-flight starts at the next multiple
            if (steps % every != 0 || steps <= run.lastPreviewStep) return null;
            float[] estimate = s.state.finalEstimate();
            if (estimate == null) return null;
            run.lastPreviewStep = steps;
            return new SchedulerEvent.Preview(new SamplePreview(run.job, 0, steps, s.state.totalSteps(),
                    run.slots.size() - run.samplesLeft, s.state.time(), estimate));
        } catch (RuntimeException e) { // a preview is best effort; the sample's own step fails its job if the state is broken
            return null;
        }
    }
}
