package dev.flowline.kafka;

import java.util.HashMap;
import java.util.Map;

/**
 * At most one progress event per job per interval; the final one (every sample done) always goes out.
 * Pure; not thread-safe (the publisher's context owns it).
 */
public final class ProgressThrottle {
    private final long minIntervalMillis;
    /** Last emission time per job still running. */
    private final Map<String, Long> last = new HashMap<>();

    public ProgressThrottle(long minIntervalMillis) {
        if (minIntervalMillis < 0) throw new IllegalArgumentException("minIntervalMillis must be >= 0");
        this.minIntervalMillis = minIntervalMillis;
    }

    /** Whether to send this update; {@code finalUpdate} bypasses the interval and ends tracking of the job. */
    public boolean shouldEmit(String jobId, long nowMillis, boolean finalUpdate) {
        if (finalUpdate) {
            last.remove(jobId);
            return true;
        }
        Long prev = last.get(jobId);
        if (prev != null && nowMillis - prev < minIntervalMillis) return false;
        last.put(jobId, nowMillis);
        return true;
    }

    /** Drops a job's state (it completed or was abandoned). */
    public void forget(String jobId) {
        last.remove(jobId);
    }

    /** Jobs being tracked. */
    public int size() {
        return last.size();
    }
}
