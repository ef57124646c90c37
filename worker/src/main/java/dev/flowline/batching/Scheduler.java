package dev.flowline.batching;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;

/**
 * The step-level scheduler of one device: admits jobs, batches their network evaluations into model calls on its
 * own device thread, and reports every accepted job's end exactly once through {@link SchedulerListener}.
 * All methods are thread-safe and never block on the device.
 */
public interface Scheduler extends AutoCloseable {

    /** Starts a scheduler with its device thread. */
    static Scheduler start(SchedulerOptions options, ModelProvider models, SchedulerListener listener) {
        return DeviceScheduler.start(options, models, listener);
    }

    /** Starts a scheduler whose deadlines, aging and maxDelay window follow {@code clock} (tests, simulations). */
    static Scheduler start(SchedulerOptions options, ModelProvider models, SchedulerListener listener,
                           SchedulerClock clock) {
        return DeviceScheduler.start(options, models, listener, clock);
    }

    /** Admits the job or says immediately why not. */
    Admission offer(Job job);

    /** Cancels a queued or running job; it completes CANCELLED at the next tick. False when the id is unknown. */
    boolean cancel(String jobId);

    /**
     * Removes matching jobs without completing them (their Kafka records will be redelivered to another worker),
     * e.g. the jobs of revoked partitions. Returns the removed jobs.
     */
    List<Job> abandon(Predicate<Job> which);

    /** Jobs admitted and not yet completed (queued or running). */
    int jobsInFlight();

    /** Whether an offer would be accepted now (below the high watermark). */
    boolean hasRoom();

    /**
     * Stops admitting, lets in-flight jobs finish until the timeout, then abandons the rest (returned).
     * The future completes when nothing is left in flight.
     */
    CompletableFuture<List<Job>> drain(Duration timeout);

    /** Queue depth, active samples and rows, counters; cheap enough for a metrics gauge. */
    default SchedulerSnapshot snapshot() {
        return new SchedulerSnapshot(0, 0, 0, 0, jobsInFlight(), 0, 0, 0);
    }

    /**
     * The call cost the scheduler learned per compatibility group (model and shape) from its own calls, which sizes
     * its CONTINUOUS calls; empty before any call.
     */
    default java.util.Map<String, List<CallCost>> costCurves() {
        return java.util.Map.of();
    }

    /** The same curves as lines (per-call and per-row cost) with the call size chosen; for metrics and telemetry. */
    default List<LearnedCost> learnedCosts() {
        return List.of();
    }

    /** Stops the device thread; jobs still in flight are abandoned. */
    @Override
    void close();
}
