package dev.flowline.batching;

/** Placeholder until the scheduler implementation lands (issue: step-level continuous batching scheduler). */
final class DeviceScheduler {
    private DeviceScheduler() {}

    static Scheduler start(SchedulerOptions options, ModelProvider models, SchedulerListener listener) {
        throw new UnsupportedOperationException("the step-level scheduler is not implemented yet");
    }
}
