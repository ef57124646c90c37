package dev.flowline.bench;

import dev.flowline.batching.ModelProvider;
import dev.flowline.batching.Scheduler;
import dev.flowline.batching.SchedulerListener;
import dev.flowline.batching.SchedulerOptions;

/** How the batching benchmark starts a scheduler: {@link Scheduler#start} unless a test supplies another. */
@FunctionalInterface
public interface SchedulerFactory {
    SchedulerFactory DEFAULT = Scheduler::start;

    Scheduler start(SchedulerOptions options, ModelProvider models, SchedulerListener listener);
}
