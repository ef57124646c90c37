package dev.flowline.batching;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;

/** A clock that moves only when told; wall time and nano time move together. */
final class ManualClock implements SchedulerClock {
    private static final Instant EPOCH = Instant.parse("2026-01-01T00:00:00Z");
    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);

    @Override
    public long nanoTime() {
        return nanos.get();
    }

    @Override
    public Instant now() {
        return EPOCH.plusNanos(nanos.get());
    }

    void advance(Duration d) {
        nanos.addAndGet(d.toNanos());
    }

    void advanceMillis(long ms) {
        advance(Duration.ofMillis(ms));
    }

    void setNanos(long n) {
        if (n > nanos.get()) nanos.set(n);
    }

    Instant in(Duration d) {
        return now().plus(d);
    }
}
