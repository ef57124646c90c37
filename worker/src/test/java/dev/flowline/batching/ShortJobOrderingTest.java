package dev.flowline.batching;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import static org.assertj.core.api.Assertions.assertThat;

/** No head-of-line blocking in CONTINUOUS mode; request-level and no batching make the short job wait. */
class ShortJobOrderingTest {

    @ParameterizedTest
    @CsvSource({"CONTINUOUS, short, long", "REQUEST, long, short", "NONE, long, short"})
    void aShortJobArrivingWhileALongOneRuns(BatchingMode mode, String first, String second) {
        AnalyticModel m = new AnalyticModel("m", 4);
        Harness h = new Harness(Harness.options(mode), m);
        h.offer("long", "m", TestSample.euler(4, 1, 200));
        for (int i = 0; i < 5; i++) assertThat(h.tick()).isTrue();

        h.offer("short", "m", TestSample.euler(4, 2, 5));
        h.runUntilIdle();

        assertThat(h.listener.completionOrder()).containsExactly(first, second);
        if (mode == BatchingMode.CONTINUOUS) {
            assertThat(h.listener.outcome("short").maxBatchRows()).isEqualTo(2); // it rode with the long job
        }
    }

    @Test
    void requestModeBatchesCompatibleJobsThatArriveWithinTheWindowAndRunsTheSetToCompletion() {
        AnalyticModel m = new AnalyticModel("m", 4);
        Harness h = new Harness(Harness.options(BatchingMode.REQUEST).withMaxDelayMicros(1000), m);
        h.offer("a", "m", TestSample.euler(4, 1, 6));
        long opened = h.clock.nanoTime();

        assertThat(h.scheduler.tickOnce()).isEqualTo(opened + 1_000_000); // waits for company
        h.advance(Duration.ofNanos(400_000));
        h.offer("b", "m", TestSample.euler(4, 2, 6));
        h.offer("other-steps", "m", TestSample.euler(4, 3, 9)); // another sampler shape: not in this set
        assertThat(h.scheduler.tickOnce()).isEqualTo(opened + 1_000_000);
        h.clock.setNanos(opened + 1_000_000);
        assertThat(h.tick()).isTrue();
        h.offer("late", "m", TestSample.euler(4, 4, 6)); // arrives while the set runs: waits for the next set
        h.runUntilIdle();

        BatchRecord firstCall = h.listener.batches.get(0);
        assertThat(firstCall.rows()).isEqualTo(2);
        assertThat(firstCall.jobs()).isEqualTo(2);
        assertThat(firstCall.waitNanos()).isEqualTo(1_000_000);
        assertThat(h.listener.outcome("a").maxBatchRows()).isEqualTo(2);
        assertThat(h.listener.outcome("b").modelCalls()).isEqualTo(6);
        assertThat(h.listener.completionOrder().subList(0, 2)).containsExactlyInAnyOrder("a", "b");
        // The two queued behind the set were compatible? No: 9 steps vs 6. They run as separate sets, oldest first.
        assertThat(h.listener.completionOrder().subList(2, 4)).containsExactly("other-steps", "late");
        assertThat(h.listener.outcome("late").maxBatchRows()).isEqualTo(1);
    }

    @Test
    void requestModeKeepsJobsWithDifferentSamplerKeysInDifferentSets() {
        AnalyticModel m = new AnalyticModel("m", 4);
        Harness h = new Harness(Harness.options(BatchingMode.REQUEST), m);
        h.offer(Harness.job("heun", "m", 0, TestSample.euler(4, 1, 4)).optSamplerKey("heun"));
        h.offer(Harness.job("euler", "m", 0, TestSample.euler(4, 2, 4)).optSamplerKey("euler"));
        h.offer(Harness.job("heun-too", "m", 0, TestSample.euler(4, 3, 4)).optSamplerKey("heun"));

        h.runUntilIdle();

        assertThat(h.listener.completionOrder()).containsExactly("heun", "heun-too", "euler");
        assertThat(h.listener.outcome("heun").maxBatchRows()).isEqualTo(2);
        assertThat(h.listener.outcome("euler").maxBatchRows()).isEqualTo(1);
    }

    @Test
    void onTheDeviceThreadAShortJobOvertakesALongOne() throws Exception {
        CountDownLatch longRunning = new CountDownLatch(3);
        CountDownLatch shortOffered = new CountDownLatch(1);
        // Each call costs a fixed 3 ms whatever its rows (an accelerator's shape), so the learned call size is
        // clearly above one row and the short job has room beside the long one. With free calls the curve is
        // timer noise, and a learned size of one row would rightly run the older job first (seen in CI).
        AnalyticModel m = new AnalyticModel("m", 4).beforeCall(rows -> {
            LockSupport.parkNanos(3_000_000);
            longRunning.countDown();
            if (longRunning.getCount() == 0) {
                try {
                    shortOffered.await(30, TimeUnit.SECONDS); // hold the device until the short job is in
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        });
        RecordingListener listener = new RecordingListener();
        try (Scheduler s = Scheduler.start(SchedulerOptions.defaults(), n -> Optional.of(m), listener)) {
            s.offer(Harness.job("long", "m", 0, TestSample.euler(4, 1, 300)).build());
            assertThat(longRunning.await(30, TimeUnit.SECONDS)).isTrue();
            assertThat(s.offer(Harness.job("short", "m", 0, TestSample.euler(4, 2, 3)).build())).isEqualTo(Admission.ACCEPTED);
            shortOffered.countDown();
            listener.awaitOutcomes(2, Duration.ofMinutes(1));
        }
        assertThat(listener.completionOrder()).containsExactly("short", "long");
    }
}
