package dev.flowline.config;

import java.time.Duration;

/**
 * Telemetry and progress events.
 *
 * @param enabled          send telemetry events to the telemetry topic
 * @param interval         batch statistics are aggregated over this interval into one BatchInterval event
 * @param jobEvents        send one JobCompleted event per job
 * @param progressInterval at most one progress event per job per interval (the final one always goes out)
 */
public record TelemetryOptions(boolean enabled, Duration interval, boolean jobEvents, Duration progressInterval) {
    public static final long DEFAULT_INTERVAL_MS = 5000;
    public static final long DEFAULT_PROGRESS_INTERVAL_MS = 500;

    public TelemetryOptions {
        if (interval.toMillis() < 10) throw new ConfigException("telemetry.intervalMs", interval.toMillis(), "must be >= 10");
        if (progressInterval.isNegative()) throw new ConfigException("telemetry.progressIntervalMs", progressInterval.toMillis(), "must be >= 0");
    }

    public static TelemetryOptions defaults() {
        return new TelemetryOptions(true, Duration.ofMillis(DEFAULT_INTERVAL_MS), true, Duration.ofMillis(DEFAULT_PROGRESS_INTERVAL_MS));
    }
}
