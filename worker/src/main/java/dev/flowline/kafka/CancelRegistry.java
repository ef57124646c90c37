package dev.flowline.kafka;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Job ids cancelled on the control topic, remembered for a while so that a job whose record arrives (or waits in
 * the intake's backlog) after its cancel still ends CANCELLED instead of running. Bounded in size and age.
 * Thread-safe: written by the control verticle, read by the intake.
 */
public final class CancelRegistry {
    private final int maxEntries;
    private final long ttlMillis;
    private final LongSupplier clock;
    /** Job id → time of the cancel, oldest first. */
    private final LinkedHashMap<String, Long> cancelled = new LinkedHashMap<>();

    public CancelRegistry(int maxEntries, long ttlMillis, LongSupplier clock) {
        this.maxEntries = maxEntries;
        this.ttlMillis = ttlMillis;
        this.clock = clock;
    }

    public static CancelRegistry defaults() {
        return new CancelRegistry(100_000, 15 * 60_000L, System::currentTimeMillis);
    }

    public synchronized void cancel(String jobId) {
        cancelled.remove(jobId);
        cancelled.put(jobId, clock.getAsLong());
        expire();
    }

    public synchronized boolean isCancelled(String jobId) {
        expire();
        return cancelled.containsKey(jobId);
    }

    public synchronized int size() {
        return cancelled.size();
    }

    private void expire() {
        long now = clock.getAsLong();
        var it = cancelled.entrySet().iterator();
        while (it.hasNext()) {
            Map.Entry<String, Long> e = it.next();
            if (cancelled.size() > maxEntries || now - e.getValue() > ttlMillis) it.remove();
            else break;
        }
    }
}
