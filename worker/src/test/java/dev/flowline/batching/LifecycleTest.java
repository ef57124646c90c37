package dev.flowline.batching;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** The device thread: drain, close, abandon, and listeners that throw. */
class LifecycleTest {
    private static final Duration MAX_WAIT = Duration.ofMinutes(1); // safety net only

    private final AnalyticModel m = new AnalyticModel("m", 4);
    private final RecordingListener listener = new RecordingListener();

    private Scheduler start(SchedulerListener l) {
        return Scheduler.start(SchedulerOptions.defaults(), name -> name.equals("m") ? Optional.of(m) : Optional.empty(), l);
    }

    /** Blocks the device inside a model call until released. */
    private static final class Gate {
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);

        void hold() {
            entered.countDown();
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Test
    void drainFinishesWhatIsInFlightAndRefusesNewWork() throws Exception {
        try (Scheduler s = start(listener)) {
            for (int i = 0; i < 5; i++) s.offer(Harness.job("j" + i, "m", 0, TestSample.euler(4, i, 20)).build());

            List<Job> abandoned = s.drain(Duration.ofMinutes(1)).get(1, TimeUnit.MINUTES);

            assertThat(abandoned).isEmpty();
            assertThat(listener.outcomes).hasSize(5).allMatch(o -> o.status() == JobStatus.SUCCEEDED);
            assertThat(s.offer(Harness.job("late", "m", 0, TestSample.euler(4, 9, 2)).build()))
                    .isEqualTo(Admission.REJECTED_SHUTDOWN);
            assertThat(s.hasRoom()).isFalse();
        }
    }

    @Test
    void drainPastItsTimeoutAbandonsTheRestWithoutAnOutcome() throws Exception {
        Gate gate = new Gate();
        m.beforeCall(rows -> { if (m.calls() == 2) gate.hold(); });
        try (Scheduler s = start(listener)) {
            s.offer(Harness.job("slow", "m", 0, TestSample.euler(4, 1, 50)).build());
            assertThat(gate.entered.await(30, TimeUnit.SECONDS)).isTrue();

            var drained = s.drain(Duration.ZERO);
            gate.release.countDown();
            List<Job> abandoned = drained.get(1, TimeUnit.MINUTES);

            assertThat(abandoned).extracting(Job::jobId).containsExactly("slow");
            assertThat(s.jobsInFlight()).isZero();
        }
        assertThat(listener.outcomes).isEmpty();
    }

    /** A job's origin as a caller would know it (the Kafka edge: its record's partition). */
    private record Partition(int partition) implements Job.Origin {}

    @Test
    void abandonRemovesMatchingJobsSilentlyAndTheOthersComplete() throws Exception {
        Gate gate = new Gate();
        m.beforeCall(rows -> { if (m.calls() == 0) gate.hold(); });
        try (Scheduler s = start(listener)) {
            s.offer(Harness.job("p0-a", "m", 0, TestSample.euler(4, 1, 10)).optOrigin(new Partition(0)).build());
            s.offer(Harness.job("p1-a", "m", 0, TestSample.euler(4, 2, 10)).optOrigin(new Partition(1)).build());
            s.offer(Harness.job("p1-b", "m", 0, TestSample.euler(4, 3, 10)).optOrigin(new Partition(1)).build());
            assertThat(gate.entered.await(30, TimeUnit.SECONDS)).isTrue();

            List<Job> removed = s.abandon(j -> new Partition(1).equals(j.origin()));
            gate.release.countDown();
            listener.awaitOutcomes(1, MAX_WAIT);

            assertThat(removed).extracting(Job::jobId).containsExactlyInAnyOrder("p1-a", "p1-b");
            assertThat(s.drain(MAX_WAIT).get(1, TimeUnit.MINUTES)).isEmpty();
        }
        assertThat(listener.completionOrder()).containsExactly("p0-a");
    }

    @Test
    void closeStopsTheThreadAndAbandonsWhatIsLeft() throws Exception {
        Gate gate = new Gate();
        m.beforeCall(rows -> { if (m.calls() == 1) gate.hold(); });
        Scheduler s = start(listener);
        s.offer(Harness.job("left", "m", 0, TestSample.euler(4, 1, 100)).build());
        assertThat(gate.entered.await(30, TimeUnit.SECONDS)).isTrue();
        Thread closer = new Thread(s::close);
        closer.start();
        for (long end = System.nanoTime() + MAX_WAIT.toNanos(); s.hasRoom() && System.nanoTime() < end; ) Thread.onSpinWait();
        gate.release.countDown(); // close() has begun: the call in progress is the last
        closer.join(TimeUnit.MINUTES.toMillis(1));

        assertThat(closer.isAlive()).isFalse();
        assertThat(s.offer(Harness.job("after", "m", 0, TestSample.euler(4, 2, 2)).build())).isEqualTo(Admission.REJECTED_SHUTDOWN);
        assertThat(s.jobsInFlight()).isZero();
        assertThat(listener.outcomes).isEmpty();
        assertThat(((DeviceScheduler) s).deviceThreadAlive()).isFalse();
        s.close(); // idempotent
    }

    @Test
    void aListenerThatThrowsDoesNotStopTheLoopOrLoseJobs() throws Exception {
        AtomicInteger completions = new AtomicInteger();
        CountDownLatch all = new CountDownLatch(6);
        SchedulerListener angry = new SchedulerListener() {
            @Override
            public void onCompleted(JobOutcome outcome) {
                completions.incrementAndGet();
                all.countDown();
                throw new IllegalStateException("listener bug");
            }

            @Override
            public void onBatch(BatchRecord batch) {
                throw new IllegalStateException("metrics bug");
            }

            @Override
            public void onProgress(Job job, int stepsDone, int totalSteps, int samplesDone) {
                throw new IllegalStateException("progress bug");
            }
        };
        try (Scheduler s = start(angry)) {
            for (int i = 0; i < 3; i++) s.offer(Harness.job("a" + i, "m", 0, TestSample.euler(4, i, 5)).optProgress(true).build());
            assertThat(s.drain(Duration.ofMinutes(1)).get(1, TimeUnit.MINUTES)).isEmpty();
        }
        try (Scheduler s = start(angry)) { // and a new scheduler goes on after such failures too
            for (int i = 0; i < 3; i++) s.offer(Harness.job("b" + i, "m", 0, TestSample.euler(4, i, 5)).build());
            assertThat(all.await(1, TimeUnit.MINUTES)).isTrue();
        }
        assertThat(completions.get()).isEqualTo(6);
    }

    @Test
    void aListenerMayCallBackIntoTheScheduler() throws Exception {
        AtomicInteger chained = new AtomicInteger();
        Scheduler[] self = new Scheduler[1];
        SchedulerListener chain = new SchedulerListener() {
            @Override
            public void onCompleted(JobOutcome outcome) {
                listener.onCompleted(outcome);
                if (chained.incrementAndGet() < 5) {
                    self[0].offer(Harness.job("c" + chained.get(), "m", 0, TestSample.euler(4, 1, 3)).build());
                }
            }
        };
        try (Scheduler s = start(chain)) {
            self[0] = s;
            s.offer(Harness.job("c0", "m", 0, TestSample.euler(4, 1, 3)).build());
            listener.awaitOutcomes(5, MAX_WAIT);
        }
        assertThat(listener.completionOrder()).containsExactly("c0", "c1", "c2", "c3", "c4");
    }
}
