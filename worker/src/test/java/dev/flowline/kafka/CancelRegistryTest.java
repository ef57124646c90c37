package dev.flowline.kafka;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

class CancelRegistryTest {

    @Test
    void cancelsAreRememberedForTheirTimeToLive() {
        AtomicLong now = new AtomicLong(0);
        CancelRegistry r = new CancelRegistry(10, 1000, now::get);
        r.cancel("a");
        assertThat(r.isCancelled("a")).isTrue();
        assertThat(r.isCancelled("b")).isFalse();
        now.set(1000);
        assertThat(r.isCancelled("a")).isTrue();
        now.set(1001);
        assertThat(r.isCancelled("a")).isFalse();
    }

    @Test
    void theOldestAreDroppedBeyondTheBound() {
        AtomicLong now = new AtomicLong(0);
        CancelRegistry r = new CancelRegistry(3, 60_000, now::get);
        for (String id : new String[]{"a", "b", "c", "d"}) {
            now.incrementAndGet();
            r.cancel(id);
        }
        assertThat(r.size()).isEqualTo(3);
        assertThat(r.isCancelled("a")).isFalse();
        assertThat(r.isCancelled("d")).isTrue();
    }
}
