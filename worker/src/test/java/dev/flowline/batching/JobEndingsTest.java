package dev.flowline.batching;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** Deadlines, cancellation and model failures: each affected job ends exactly once, with the right status. */
class JobEndingsTest {
    private final AnalyticModel m = new AnalyticModel("m", 4);
    private final AnalyticModel other = new AnalyticModel("other", 3);

    @Test
    void anytimeDeadlineExpiresARunningJobAtTheNextTickAndSparesTheRest() {
        Harness h = new Harness(Harness.options(BatchingMode.CONTINUOUS).withDeadlinePolicy(DeadlinePolicy.ANYTIME), m);
        h.msPerTick = 1;
        h.offer(Harness.job("late", "m", 0, TestSample.euler(4, 1, 100)).optDeadline(h.clock.in(Duration.ofMillis(10))));
        h.offer(Harness.job("fine", "m", 0, TestSample.euler(4, 2, 30)).optDeadline(h.clock.in(Duration.ofMillis(500))));

        h.runUntilIdle();

        JobOutcome late = h.listener.outcome("late");
        assertThat(late.status()).isEqualTo(JobStatus.EXPIRED);
        assertThat(late.errorCode()).isEqualTo("DEADLINE");
        assertThat(late.samples()).isEmpty();
        assertThat(late.modelCalls()).isBetween(8, 10); // ticks at +1..+9 ms ran; the one at +10 ms expired it
        assertThat(h.listener.outcome("fine").status()).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(h.listener.outcomes).hasSize(2);
    }

    @Test
    void beforeStartDeadlineLetsARunningJobFinishButExpiresAQueuedOne() {
        SchedulerOptions o = Harness.options(BatchingMode.CONTINUOUS).withDeadlinePolicy(DeadlinePolicy.BEFORE_START)
                .withMaxActiveSamples(1);
        Harness h = new Harness(o, m);
        h.msPerTick = 1;
        h.offer(Harness.job("running", "m", 0, TestSample.euler(4, 1, 50)).optDeadline(h.clock.in(Duration.ofMillis(5))));
        h.offer(Harness.job("queued", "m", 0, TestSample.euler(4, 2, 5)).optDeadline(h.clock.in(Duration.ofMillis(5))));

        h.runUntilIdle();

        assertThat(h.listener.completionOrder()).containsExactly("queued", "running");
        assertThat(h.listener.outcome("running").status()).isEqualTo(JobStatus.SUCCEEDED);
        JobOutcome queued = h.listener.outcome("queued");
        assertThat(queued.status()).isEqualTo(JobStatus.EXPIRED);
        assertThat(queued.modelCalls()).isZero();
        assertThat(queued.queuedNanos()).isEqualTo(Duration.ofMillis(5).toNanos());
        assertThat(queued.samplingNanos()).isZero();
    }

    @Test
    void aDeadlineAlreadyPastAtAdmissionExpiresAtTheFirstTick() {
        Harness h = new Harness(Harness.options(BatchingMode.REQUEST), m);
        h.offer(Harness.job("stale", "m", 0, TestSample.euler(4, 1, 5)).optDeadline(h.clock.in(Duration.ofSeconds(-1))));
        h.runUntilIdle();
        assertThat(h.listener.outcome("stale").status()).isEqualTo(JobStatus.EXPIRED);
        assertThat(m.calls()).isZero();
    }

    @Test
    void aJobWaitingForCompanyExpiresAtItsDeadlineNotAtTheEndOfTheWindow() {
        Harness h = new Harness(Harness.options(BatchingMode.REQUEST).withMaxDelayMicros(10_000), m);
        long t0 = h.clock.nanoTime();
        h.offer(Harness.job("hurried", "m", 0, TestSample.euler(4, 1, 5)).optDeadline(h.clock.in(Duration.ofMillis(2))));

        assertThat(h.scheduler.tickOnce()).isEqualTo(t0 + 2_000_000); // wake for the deadline, inside the 10 ms window
        h.clock.setNanos(t0 + 2_000_000);
        h.scheduler.tickOnce();

        assertThat(h.listener.outcome("hurried").status()).isEqualTo(JobStatus.EXPIRED);
        assertThat(h.listener.outcome("hurried").queuedNanos()).isEqualTo(2_000_000);
        assertThat(h.scheduler.tickOnce()).isEqualTo(Long.MAX_VALUE);
    }

    @ParameterizedTest
    @EnumSource(BatchingMode.class)
    void cancellationEndsRunningAndQueuedJobsOnceAndTheOthersSucceed(BatchingMode mode) {
        Harness h = new Harness(Harness.options(mode), m);
        h.offer("keep", "m", TestSample.euler(4, 1, 20));
        h.offer("running", "m", TestSample.euler(4, 2, 20));
        h.offer("queued", "m", TestSample.euler(4, 3, 20));
        h.tick();
        h.tick();

        assertThat(h.scheduler.cancel("running")).isTrue();
        assertThat(h.scheduler.cancel("running")).isTrue(); // still in flight until the next tick
        assertThat(h.scheduler.cancel("queued")).isTrue();
        assertThat(h.scheduler.cancel("nobody")).isFalse();
        h.runUntilIdle();

        assertThat(h.listener.outcomes).hasSize(3);
        assertThat(h.listener.outcome("keep").status()).isEqualTo(JobStatus.SUCCEEDED);
        JobOutcome running = h.listener.outcome("running");
        assertThat(running.status()).isEqualTo(JobStatus.CANCELLED);
        assertThat(running.errorCode()).isEqualTo("CANCELLED");
        assertThat(h.listener.outcome("queued").status()).isEqualTo(JobStatus.CANCELLED);
        assertThat(h.scheduler.cancel("keep")).isFalse();
        if (mode == BatchingMode.CONTINUOUS) {
            assertThat(running.modelCalls()).isEqualTo(2);
            assertThat(h.listener.completionOrder()).startsWith("running", "queued"); // cancelled at the next tick
        }
    }

    @Test
    void aThrowingModelFailsTheJobsOfThatCallOnlyAndTheLoopCarriesOn() {
        m.throwingOnLabel(13);
        Harness h = new Harness(Harness.options(BatchingMode.CONTINUOUS), m, other);
        h.offer("poison", "m", new TestSample(4, 1, TestSample.Method.EULER, 5, 13, 0f, 0));
        h.offer("neighbour", "m", TestSample.euler(4, 2, 5));
        h.offer("elsewhere", "other", TestSample.euler(3, 3, 5));

        h.runUntilIdle();
        h.offer("after", "m", TestSample.euler(4, 4, 5));
        h.runUntilIdle();

        for (String id : new String[] {"poison", "neighbour"}) {
            JobOutcome o = h.listener.outcome(id);
            assertThat(o.status()).isEqualTo(JobStatus.FAILED);
            assertThat(o.errorCode()).isEqualTo("MODEL_ERROR");
            assertThat(o.errorMessage()).contains("model 'm'").contains("boom on label 13");
            assertThat(o.modelCalls()).isEqualTo(1);
        }
        assertThat(h.listener.outcome("elsewhere").status()).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(h.listener.outcome("after").status()).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(h.listener.outcomes).hasSize(4);
    }

    @Test
    void nonFiniteOutputFailsOnlyTheJobWhoseRowsItIs() {
        m.nanOnLabel(7);
        Harness h = new Harness(Harness.options(BatchingMode.CONTINUOUS), m);
        TestSample good = TestSample.euler(4, 2, 5);
        float[] alone = TestSample.runAlone(good.fresh(2), AnalyticModel.field(4), 4);
        h.offer("nan", "m", TestSample.guidedHeun(4, 1, 5, 7, 2f));
        h.offer("good", "m", good);

        h.runUntilIdle();

        JobOutcome nan = h.listener.outcome("nan");
        assertThat(nan.status()).isEqualTo(JobStatus.FAILED);
        assertThat(nan.errorCode()).isEqualTo("NON_FINITE_OUTPUT");
        assertThat(nan.errorMessage()).contains("model 'm'");
        JobOutcome ok = h.listener.outcome("good");
        assertThat(ok.status()).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(ok.samples().get(0)).containsExactly(alone);
        assertThat(h.listener.batches.get(0).jobs()).isEqualTo(2); // they did share the failing call
    }

    @Test
    void aSampleStateThatThrowsFailsItsJobOnly() {
        Harness h = new Harness(Harness.options(BatchingMode.CONTINUOUS), m);
        TestSample broken = TestSample.euler(4, 1, 5) ;
        h.offer("ok", "m", TestSample.euler(4, 2, 5));
        h.offer("broken", "m", new dev.flowline.sampling.SampleState() { // writes without ever taking a velocity
            public int rowsNeeded() { return broken.rowsNeeded(); }
            public void writeRows(float[] x, float[] t, int[] l, int row) { throw new IllegalStateException("no"); }
            public void acceptRows(float[] v, int row) { broken.acceptRows(v, row); }
            public boolean isFinished() { return false; }
            public int nfe() { return 0; }
            public int stepsDone() { return 0; }
            public int totalSteps() { return 5; }
            public double time() { return 0; }
            public float[] result() { return null; }
        });

        h.runUntilIdle();

        assertThat(h.listener.outcome("broken").errorCode()).isEqualTo("SAMPLER_ERROR");
        assertThat(h.listener.outcome("ok").status()).isEqualTo(JobStatus.SUCCEEDED);
    }

    @Test
    void progressIsReportedForJobsThatAskedAfterEachTickThatAdvancedThem() {
        Harness h = new Harness(Harness.options(BatchingMode.CONTINUOUS), m);
        h.offer(Harness.job("watched", "m", 0, TestSample.euler(4, 1, 4), TestSample.euler(4, 2, 6)).optProgress(true));
        h.offer("quiet", "m", TestSample.euler(4, 3, 4));

        h.runUntilIdle();

        assertThat(h.listener.progress).extracting(RecordingListener.ProgressCall::jobId).containsOnly("watched");
        assertThat(h.listener.progress).extracting(RecordingListener.ProgressCall::stepsDone).containsExactly(1, 2, 3, 4, 4);
        assertThat(h.listener.progress).extracting(RecordingListener.ProgressCall::samplesDone).containsExactly(0, 0, 0, 1, 1);
        assertThat(h.listener.progress).extracting(RecordingListener.ProgressCall::totalSteps).containsOnly(6);
    }

    @Test
    void outcomesCarryTimingsFromTheInjectedClock() {
        Harness h = new Harness(Harness.options(BatchingMode.NONE), m);
        h.msPerTick = 2;
        h.offer("first", "m", TestSample.euler(4, 1, 3));
        h.offer("second", "m", TestSample.euler(4, 2, 3));

        h.runUntilIdle();

        // Each turn moves the clock 2 ms before deciding; a call and its booking take no clock time here.
        JobOutcome first = h.listener.outcome("first");
        assertThat(first.queuedNanos()).isEqualTo(2_000_000);
        assertThat(first.samplingNanos()).isEqualTo(4_000_000);
        JobOutcome second = h.listener.outcome("second");
        assertThat(second.queuedNanos()).isEqualTo(8_000_000);
        assertThat(second.samplingNanos()).isEqualTo(4_000_000);
    }
}
