package dev.flowline.batching;

/**
 * What the pure core decided the listener must hear, as data: the device loop delivers these after releasing the
 * scheduler's lock, so a listener may call back into the scheduler.
 */
sealed interface SchedulerEvent {

    void deliverTo(SchedulerListener listener);

    record Completed(JobOutcome outcome) implements SchedulerEvent {
        @Override
        public void deliverTo(SchedulerListener listener) {
            listener.onCompleted(outcome);
        }
    }

    record Progress(Job job, int stepsDone, int totalSteps, int samplesDone, int decodeCalls) implements SchedulerEvent {
        @Override
        public void deliverTo(SchedulerListener listener) {
            listener.onProgress(job, stepsDone, totalSteps, samplesDone, decodeCalls);
        }
    }

    record Preview(SamplePreview preview) implements SchedulerEvent {
        @Override
        public void deliverTo(SchedulerListener listener) {
            listener.onPreview(preview);
        }
    }

    record CapacityAvailable() implements SchedulerEvent {
        @Override
        public void deliverTo(SchedulerListener listener) {
            listener.onCapacityAvailable();
        }
    }

    record Batch(BatchRecord record) implements SchedulerEvent {
        @Override
        public void deliverTo(SchedulerListener listener) {
            listener.onBatch(record);
        }
    }
}
