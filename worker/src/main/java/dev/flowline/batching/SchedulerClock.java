package dev.flowline.batching;

import java.time.Instant;

/**
 * The scheduler's time source, injected so that deadlines, aging and the maxDelay window can be tested without
 * waiting. {@link #nanoTime()} measures intervals; {@link #now()} only converts a job's wall-clock deadline into
 * the nano timeline at admission.
 */
public interface SchedulerClock {

    long nanoTime();

    Instant now();

    static SchedulerClock system() {
        return SystemClock.INSTANCE;
    }

    /** The JVM's clocks. */
    enum SystemClock implements SchedulerClock {
        INSTANCE;

        @Override
        public long nanoTime() {
            return System.nanoTime();
        }

        @Override
        public Instant now() {
            return Instant.now();
        }
    }
}
