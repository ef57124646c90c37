package dev.flowline.batching;

import dev.flowline.model.VelocityModel;
import dev.flowline.sampling.SampleState;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Drives a {@link DeviceScheduler} without its thread: every turn of the device loop is a call to {@link #tick()},
 * time is a {@link ManualClock}. Deterministic, so tests assert exact orders and counts.
 */
final class Harness {
    final ManualClock clock = new ManualClock();
    final RecordingListener listener = new RecordingListener();
    final Map<String, VelocityModel> models = new HashMap<>();
    final DeviceScheduler scheduler;
    /** Milliseconds the clock moves before every turn. */
    long msPerTick;

    Harness(SchedulerOptions options, VelocityModel... ms) {
        for (VelocityModel m : ms) models.put(m.info().name(), m);
        scheduler = new DeviceScheduler(options, name -> Optional.ofNullable(models.get(name)), listener, clock);
    }

    static SchedulerOptions options(BatchingMode mode) {
        return SchedulerOptions.defaults().withMode(mode).withMaxDelayMicros(0);
    }

    Admission offer(String id, String model, SampleState... samples) {
        return scheduler.offer(job(id, model, 0, samples).build());
    }

    Admission offer(Job.Builder job) {
        return scheduler.offer(job.build());
    }

    static Job.Builder job(String id, String model, int priority, SampleState... samples) {
        return Job.builder().setJobId(id).setModel(model).setSamples(List.of(samples)).optPriority(priority);
    }

    /** One turn; when the loop would wait for a time, the clock jumps there. Returns whether a model call ran. */
    boolean tick() {
        clock.advanceMillis(msPerTick);
        long r = scheduler.tickOnce();
        if (r == DeviceScheduler.RAN) return true;
        if (r != Long.MAX_VALUE) clock.setNanos(r);
        return false;
    }

    /** Turns until the scheduler is idle (nothing to run and nothing to wait for). Returns the model calls. */
    int runUntilIdle() {
        int calls = 0;
        for (int i = 0; i < 1_000_000; i++) {
            clock.advanceMillis(msPerTick);
            long r = scheduler.tickOnce();
            if (r == DeviceScheduler.RAN) {
                calls++;
            } else if (r == Long.MAX_VALUE) {
                return calls;
            } else {
                clock.setNanos(r);
            }
        }
        throw new AssertionError("scheduler never went idle");
    }

    void advance(Duration d) {
        clock.advance(d);
    }
}
