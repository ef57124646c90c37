package dev.flowline.config;

import java.net.InetAddress;
import java.time.Duration;

/**
 * The worker process itself.
 *
 * @param id           written into every result, dead letter and telemetry event
 * @param drainTimeout on SIGTERM, how long in-flight jobs may finish before the rest is abandoned (redelivered)
 */
public record WorkerOptions(String id, Duration drainTimeout) {
    public static final long DEFAULT_DRAIN_TIMEOUT_MS = 30_000;

    public WorkerOptions {
        if (id == null || id.isBlank()) throw new ConfigException("worker.id", id, "must not be blank");
        if (drainTimeout.isNegative()) throw new ConfigException("worker.drainTimeoutMs", drainTimeout.toMillis(), "must be >= 0");
    }

    public static WorkerOptions defaults() {
        return new WorkerOptions(defaultId(), Duration.ofMillis(DEFAULT_DRAIN_TIMEOUT_MS));
    }

    /** {@code hostname-pid}. */
    public static String defaultId() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            host = System.getenv().getOrDefault("HOSTNAME", "worker");
        }
        return host + "-" + ProcessHandle.current().pid();
    }
}
