package dev.flowline.batching;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Admission answers and the high/low watermark listener. */
class CapacityTest {
    private final AnalyticModel m = new AnalyticModel("m", 4);

    @Test
    void offersBeyondCapacityAreRejectedFullAndTheListenerFiresOnceWhenRoomReturns() {
        SchedulerOptions o = Harness.options(BatchingMode.NONE).withMaxJobsInFlight(4).withResumeBelowJobs(2);
        Harness h = new Harness(o, m);
        for (int i = 0; i < 4; i++) assertThat(h.offer("j" + i, "m", TestSample.euler(4, i, 3))).isEqualTo(Admission.ACCEPTED);

        assertThat(h.offer("over", "m", TestSample.euler(4, 9, 3))).isEqualTo(Admission.REJECTED_FULL);
        assertThat(h.offer("over2", "m", TestSample.euler(4, 9, 3))).isEqualTo(Admission.REJECTED_FULL);
        assertThat(h.scheduler.hasRoom()).isFalse();
        assertThat(h.scheduler.jobsInFlight()).isEqualTo(4);

        h.runUntilIdle();

        // 4 -> 3 (room again, but not below the low watermark) -> 2 -> 1 (< 2: fire) -> 0 (no second fire)
        assertThat(h.listener.log).containsExactly("completed:j0", "completed:j1", "completed:j2", "capacity", "completed:j3");
        assertThat(h.listener.capacityEvents()).isEqualTo(1);
        assertThat(h.scheduler.hasRoom()).isTrue();
    }

    @Test
    void noRejectionNoCapacityEvent() {
        Harness h = new Harness(Harness.options(BatchingMode.CONTINUOUS).withMaxJobsInFlight(4), m);
        for (int i = 0; i < 4; i++) h.offer("j" + i, "m", TestSample.euler(4, i, 3));
        h.runUntilIdle();
        assertThat(h.listener.capacityEvents()).isZero();
    }

    @Test
    void acceptedAgainAfterRoomReturnsAndFiresAgainAfterTheNextRejection() {
        Harness h = new Harness(Harness.options(BatchingMode.CONTINUOUS).withMaxJobsInFlight(1), m);
        h.offer("a", "m", TestSample.euler(4, 1, 2));
        assertThat(h.offer("b", "m", TestSample.euler(4, 2, 2))).isEqualTo(Admission.REJECTED_FULL);
        h.runUntilIdle();
        assertThat(h.offer("b", "m", TestSample.euler(4, 2, 2))).isEqualTo(Admission.ACCEPTED);
        assertThat(h.offer("c", "m", TestSample.euler(4, 3, 2))).isEqualTo(Admission.REJECTED_FULL);
        h.runUntilIdle();
        assertThat(h.listener.log).containsExactly("completed:a", "capacity", "completed:b", "capacity");
    }

    @Test
    void duplicateUnknownModelAndShutdownAreTypedRejections() {
        Harness h = new Harness(Harness.options(BatchingMode.CONTINUOUS).withMaxJobsInFlight(1), m);
        assertThat(h.offer("a", "m", TestSample.euler(4, 1, 2))).isEqualTo(Admission.ACCEPTED);
        assertThat(h.offer("a", "m", TestSample.euler(4, 1, 2))).isEqualTo(Admission.REJECTED_DUPLICATE);
        assertThat(h.offer("x", "nope", TestSample.euler(4, 1, 2))).isEqualTo(Admission.REJECTED_UNKNOWN_MODEL);

        var drained = h.scheduler.drain(Duration.ofSeconds(10));
        assertThat(h.offer("late", "m", TestSample.euler(4, 1, 2))).isEqualTo(Admission.REJECTED_SHUTDOWN);
        assertThat(h.scheduler.hasRoom()).isFalse();
        h.runUntilIdle();
        h.scheduler.tickOnce();

        assertThat(drained).isCompletedWithValue(List.of());
        assertThat(h.listener.completionOrder()).containsExactly("a");
    }

    @Test
    void snapshotCountsQueuedAndActiveWork() {
        Harness h = new Harness(Harness.options(BatchingMode.CONTINUOUS).withMaxActiveSamples(3), m);
        h.offer("guided", "m", TestSample.guidedHeun(4, 1, 5, 2, 2f), TestSample.guidedHeun(4, 2, 5, 2, 2f));
        h.offer("plain", "m", TestSample.euler(4, 3, 5), TestSample.euler(4, 4, 5));
        h.tick();

        SchedulerSnapshot s = h.scheduler.snapshot();

        assertThat(s.queuedJobs()).isEqualTo(1);
        assertThat(s.activeJobs()).isEqualTo(1);
        assertThat(s.activeSamples()).isEqualTo(2);
        assertThat(s.activeRows()).isEqualTo(4);
        assertThat(s.jobsInFlight()).isEqualTo(2);
        assertThat(s.modelCalls()).isEqualTo(1);
        assertThat(s.rows()).isEqualTo(4);
    }
}
