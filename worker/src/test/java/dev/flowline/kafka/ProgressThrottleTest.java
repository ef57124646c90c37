package dev.flowline.kafka;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ProgressThrottleTest {

    @Test
    void atMostOneUpdatePerIntervalPerJob() {
        ProgressThrottle t = new ProgressThrottle(500);
        assertThat(t.shouldEmit("a", 1000, false)).isTrue();
        assertThat(t.shouldEmit("a", 1200, false)).isFalse();
        assertThat(t.shouldEmit("b", 1200, false)).as("other jobs are independent").isTrue();
        assertThat(t.shouldEmit("a", 1499, false)).isFalse();
        assertThat(t.shouldEmit("a", 1500, false)).isTrue();
    }

    @Test
    void theFinalUpdateAlwaysGoesOutAndEndsTracking() {
        ProgressThrottle t = new ProgressThrottle(500);
        assertThat(t.shouldEmit("a", 1000, false)).isTrue();
        assertThat(t.shouldEmit("a", 1001, true)).isTrue();
        assertThat(t.size()).isZero();
    }

    @Test
    void forgetDropsState() {
        ProgressThrottle t = new ProgressThrottle(500);
        t.shouldEmit("a", 1000, false);
        t.forget("a");
        assertThat(t.size()).isZero();
        assertThat(t.shouldEmit("a", 1001, false)).isTrue();
    }
}
