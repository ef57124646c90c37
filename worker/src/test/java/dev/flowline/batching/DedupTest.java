package dev.flowline.batching;

import dev.flowline.sampling.NamedSchedules;
import dev.flowline.sampling.SampleState;
import dev.flowline.sampling.Sampler;
import dev.flowline.sampling.SamplerConfig;
import dev.flowline.sampling.Solver;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Identical in-flight samples are computed once: rows are counted through a real (analytic) model, samples come from
 * the sampling library's own states, and every shared result is compared bit for bit with the job run alone.
 */
class DedupTest {
    private static final int DIM = 6;
    private static final int LABEL = 3;
    /** Guided Heun: two rows per evaluation, two evaluations per step. */
    private static final Sampler SAMPLER = Sampler.of(SamplerConfig.builder().optSolver(Solver.HEUN).optSteps(6)
            .optGuidanceScale(2.0).build(), NamedSchedules.NONE);

    private static List<SampleState> samples(long seed, int n) {
        List<SampleState> out = new ArrayList<>();
        for (int i = 0; i < n; i++) out.add(SAMPLER.newSample(DIM, seed, i, LABEL));
        return out;
    }

    /** A job whose dedup key, like the Kafka edge's, names everything its bytes depend on. */
    private static Job.Builder job(String id, long seed) {
        return Job.builder().setJobId(id).setModel("a").setSamples(samples(seed, 2))
                .optDedupKey("a|label=" + LABEL + "|" + SAMPLER.config() + "|seed=" + seed);
    }

    private record Alone(List<float[]> samples, int rows) {}

    private static Alone alone(long seed) {
        AnalyticModel m = new AnalyticModel("a", DIM);
        Harness h = new Harness(Harness.options(BatchingMode.CONTINUOUS), m);
        h.offer(job("solo", seed));
        h.runUntilIdle();
        JobOutcome o = h.listener.outcome("solo");
        assertThat(o.status()).isEqualTo(JobStatus.SUCCEEDED);
        return new Alone(o.samples(), rows(m));
    }

    private static int rows(AnalyticModel m) {
        return m.callRows.stream().mapToInt(Integer::intValue).sum();
    }

    private static void assertSameBytes(JobOutcome o, Alone a) {
        assertThat(o.status()).as(o.job().jobId()).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(o.samples()).hasSize(a.samples().size());
        for (int i = 0; i < a.samples().size(); i++) {
            assertThat(o.samples().get(i)).as(o.job().jobId() + " sample " + i).containsExactly(a.samples().get(i));
        }
    }

    @ParameterizedTest
    @EnumSource(BatchingMode.class)
    void twoIdenticalJobsTakeOneSetOfModelRowsAndBothGetTheSoloBytes(BatchingMode mode) {
        Alone solo = alone(42);
        AnalyticModel m = new AnalyticModel("a", DIM);
        Harness h = new Harness(Harness.options(mode), m);
        h.offer(job("first", 42));
        h.offer(job("second", 42));

        h.runUntilIdle();

        JobOutcome first = h.listener.outcome("first");
        JobOutcome second = h.listener.outcome("second");
        if (mode == BatchingMode.NONE) { // one job at a time: the second starts after the first ended, nothing to share
            assertThat(rows(m)).isEqualTo(2 * solo.rows());
            assertThat(second.dedupedSamples()).isZero();
        } else {
            assertThat(rows(m)).isEqualTo(solo.rows());
            assertThat(first.dedupedSamples()).isZero();
            assertThat(second.dedupedSamples()).isEqualTo(2);
            assertThat(h.listener.batches.stream().mapToLong(BatchRecord::dedupedRows).sum()).isEqualTo(solo.rows());
            assertThat(second.nfe()).isEqualTo(first.nfe());
        }
        assertSameBytes(first, solo);
        assertSameBytes(second, solo);
        assertThat(h.scheduler.jobsInFlight()).isZero();
    }

    @Test
    void aJobThatDiffersOnlyInSeedIsNotDeduplicated() {
        Alone solo = alone(42);
        AnalyticModel m = new AnalyticModel("a", DIM);
        Harness h = new Harness(Harness.options(BatchingMode.CONTINUOUS), m);
        h.offer(job("first", 42));
        h.offer(job("other", 43));

        h.runUntilIdle();

        assertThat(rows(m)).isEqualTo(2 * solo.rows());
        assertThat(h.listener.outcome("other").dedupedSamples()).isZero();
        assertThat(h.listener.batches).allSatisfy(b -> assertThat(b.dedupedRows()).isZero());
        assertSameBytes(h.listener.outcome("first"), solo);
        assertSameBytes(h.listener.outcome("other"), alone(43));
    }

    @Test
    void dedupOffComputesEverySampleOnItsOwn() {
        Alone solo = alone(42);
        AnalyticModel m = new AnalyticModel("a", DIM);
        Harness h = new Harness(Harness.options(BatchingMode.CONTINUOUS).withDedup(false), m);
        h.offer(job("first", 42));
        h.offer(job("second", 42));

        h.runUntilIdle();

        assertThat(rows(m)).isEqualTo(2 * solo.rows());
        assertThat(h.listener.outcome("second").dedupedSamples()).isZero();
        assertSameBytes(h.listener.outcome("first"), solo);
        assertSameBytes(h.listener.outcome("second"), solo);
    }

    @Test
    void aJobArrivingMidFlightFollowsTheRunningSampleAndGetsTheSameBytes() {
        Alone solo = alone(42);
        AnalyticModel m = new AnalyticModel("a", DIM);
        Harness h = new Harness(Harness.options(BatchingMode.CONTINUOUS), m);
        h.offer(job("first", 42));
        for (int i = 0; i < 5; i++) assertThat(h.tick()).isTrue();
        h.offer(job("late", 42).optProgress(true));

        h.runUntilIdle();

        assertThat(rows(m)).isEqualTo(solo.rows());
        assertSameBytes(h.listener.outcome("first"), solo);
        assertSameBytes(h.listener.outcome("late"), solo);
        assertThat(h.listener.outcome("late").dedupedSamples()).isEqualTo(2);
        // saved: every row the late job would have needed, including the steps taken before it arrived
        assertThat(h.listener.batches.stream().mapToLong(BatchRecord::dedupedRows).sum()).isEqualTo(solo.rows());
        // the follower's progress is the shared computation's, from where it joined, never going back
        List<Integer> steps = h.listener.progress.stream().filter(p -> p.jobId().equals("late"))
                .map(RecordingListener.ProgressCall::stepsDone).toList();
        assertThat(steps).isNotEmpty().isSorted();
        assertThat(steps.get(0)).isGreaterThan(0);
    }

    @Test
    void cancellingTheLeaderLetsTheFollowerCompleteWithTheSoloBytesWithoutRecomputing() {
        Alone solo = alone(42);
        AnalyticModel m = new AnalyticModel("a", DIM);
        Harness h = new Harness(Harness.options(BatchingMode.CONTINUOUS), m);
        h.offer(job("leader", 42));
        h.offer(job("follower", 42));
        for (int i = 0; i < 4; i++) assertThat(h.tick()).isTrue();
        assertThat(h.scheduler.cancel("leader")).isTrue();

        h.runUntilIdle();

        assertThat(h.listener.outcome("leader").status()).isEqualTo(JobStatus.CANCELLED);
        assertSameBytes(h.listener.outcome("follower"), solo);
        assertThat(rows(m)).isEqualTo(solo.rows());
        assertThat(h.listener.outcomes).hasSize(2);
    }

    @Test
    void cancellingTheFollowerLeavesTheLeaderRunning() {
        Alone solo = alone(42);
        AnalyticModel m = new AnalyticModel("a", DIM);
        Harness h = new Harness(Harness.options(BatchingMode.CONTINUOUS), m);
        h.offer(job("leader", 42));
        h.offer(job("follower", 42));
        for (int i = 0; i < 4; i++) assertThat(h.tick()).isTrue();
        assertThat(h.scheduler.cancel("follower")).isTrue();

        h.runUntilIdle();

        assertThat(h.listener.outcome("follower").status()).isEqualTo(JobStatus.CANCELLED);
        assertSameBytes(h.listener.outcome("leader"), solo);
        assertThat(rows(m)).isEqualTo(solo.rows());
    }

    @ParameterizedTest(name = "during call {0}")
    @org.junit.jupiter.params.provider.ValueSource(ints = {0, 3, 11}) // the first, a middle one, the one that finishes
    void aLeaderAbandonedDuringItsModelCallHandsTheAdvancedStateToTheFollower(int call) {
        Alone solo = alone(42);
        AnalyticModel m = new AnalyticModel("a", DIM);
        Harness h = new Harness(Harness.options(BatchingMode.CONTINUOUS), m);
        h.offer(job("leader", 42));
        h.offer(job("follower", 42));
        // a revoke removes the leader while the device is inside a call that carries its rows: the call's result
        // must reach the follower, which now owns the computation
        m.beforeCall(rows -> {
            if (m.calls() == call) h.scheduler.abandon(j -> j.jobId().equals("leader"));
        });

        h.runUntilIdle();

        assertThat(h.listener.outcomes).extracting(o -> o.job().jobId()).containsExactly("follower");
        assertSameBytes(h.listener.outcome("follower"), solo);
        assertThat(rows(m)).isEqualTo(solo.rows());
        assertThat(m.calls()).as("12 guided Heun evaluations, both samples in every call").isEqualTo(12);
        assertThat(h.listener.outcome("follower").modelCalls()).as("the follower rode every call").isEqualTo(12);
    }

    @Test
    void aSharedSampleThatFailsFailsEveryJobSharingIt() {
        AnalyticModel m = new AnalyticModel("a", DIM).nanOnLabel(LABEL);
        Harness h = new Harness(Harness.options(BatchingMode.CONTINUOUS), m);
        h.offer(job("leader", 42));
        h.offer(job("follower", 42));

        h.runUntilIdle();

        assertThat(h.listener.outcome("leader").errorCode()).isEqualTo(BatchResult.NON_FINITE_OUTPUT);
        assertThat(h.listener.outcome("follower").errorCode()).isEqualTo(BatchResult.NON_FINITE_OUTPUT);
        assertThat(h.scheduler.jobsInFlight()).isZero();
    }

    @Test
    void aNewJobAfterTheSharedSampleFinishedComputesAfresh() {
        Alone solo = alone(42);
        AnalyticModel m = new AnalyticModel("a", DIM);
        Harness h = new Harness(Harness.options(BatchingMode.CONTINUOUS), m);
        h.offer(job("first", 42));
        h.runUntilIdle();
        h.offer(job("again", 42));
        h.runUntilIdle();

        assertThat(rows(m)).isEqualTo(2 * solo.rows()); // nothing in flight to share: results are not a cache
        assertSameBytes(h.listener.outcome("again"), solo);
        assertThat(h.listener.outcome("again").dedupedSamples()).isZero();
    }

    /** Completion order when a job identical to a waiting low-priority one arrives with {@code priority}. */
    private static List<String> orderWithIdenticalJobOfPriority(int priority) {
        Sampler euler = Sampler.of(SamplerConfig.builder().optSolver(Solver.EULER).optSteps(20).build(), NamedSchedules.NONE);
        AnalyticModel m = new AnalyticModel("a", DIM);
        // two rows a call: the two oldest jobs ride every call, a younger one waits for them
        Harness h = new Harness(Harness.options(BatchingMode.CONTINUOUS).withMaxBatchRows(2), m);
        for (String id : List.of("f1", "f2", "low")) {
            long seed = id.equals("low") ? 42 : id.hashCode();
            h.offer(Job.builder().setJobId(id).setModel("a").setSamples(List.of(euler.newSample(DIM, seed, 0, LABEL)))
                    .optDedupKey("euler20|seed=" + seed));
        }
        for (int i = 0; i < 3; i++) assertThat(h.tick()).isTrue();
        h.offer(Job.builder().setJobId("urgent").setModel("a").setSamples(List.of(euler.newSample(DIM, 42, 0, LABEL)))
                .optPriority(priority).optDedupKey("euler20|seed=42"));
        h.runUntilIdle();
        assertThat(h.listener.outcome("urgent").samples().get(0)).containsExactly(h.listener.outcome("low").samples().get(0));
        assertThat(h.listener.outcome("urgent").dedupedSamples()).isEqualTo(1);
        return h.listener.completionOrder();
    }

    @Test
    void aMoreUrgentIdenticalJobTakesTheLeadInsteadOfWaitingAtTheOthersPace() {
        // equal priority: the newcomer follows the waiting job and finishes with it, after the older jobs
        assertThat(orderWithIdenticalJobOfPriority(0)).containsExactly("f1", "f2", "urgent", "low");
        // higher priority: the newcomer leads the shared sample at its own priority; the waiting job finishes with it
        List<String> order = orderWithIdenticalJobOfPriority(5);
        assertThat(order.indexOf("urgent")).isLessThan(order.indexOf("f2"));
        assertThat(order.indexOf("low")).isLessThan(order.indexOf("f2"));
    }

    @Test
    void stepRangeJobsShareOnlyWithJobsThatRunTheSameChosenCount() {
        java.util.function.IntFunction<Sampler> euler = steps -> Sampler.of(SamplerConfig.builder().optSolver(Solver.EULER)
                .optSteps(steps).build(), NamedSchedules.NONE);
        java.util.function.IntFunction<List<SampleState>> samplesAt = steps -> List.of(euler.apply(steps).newSample(DIM, 42, 0, LABEL));
        StepChoice range = new StepChoice(4, 8, steps -> steps, samplesAt);
        AnalyticModel m = new AnalyticModel("a", DIM);
        Harness h = new Harness(Harness.options(BatchingMode.CONTINUOUS), m);
        // the Kafka edge keys a range job by its sampler at maxSteps, as a fixed job of 8 steps is keyed
        h.offer(Job.builder().setJobId("range-a").setModel("a").setSamples(samplesAt.apply(8)).optStepChoice(range)
                .optDedupKey("k").optProgress(true).optPreviewEvery(4));
        h.offer(Job.builder().setJobId("range-b").setModel("a").setSamples(samplesAt.apply(8)).optStepChoice(range).optDedupKey("k"));
        h.offer(Job.builder().setJobId("fixed").setModel("a").setSamples(samplesAt.apply(8)).optDedupKey("k"));

        h.runUntilIdle();

        // nothing presses: both ranges run 8 steps and share; the fixed job is kept apart (its key names no chosen count)
        assertThat(h.listener.outcome("range-a").job().chosenSteps()).isEqualTo(8);
        assertThat(h.listener.outcome("range-b").dedupedSamples()).isEqualTo(1);
        assertThat(h.listener.outcome("fixed").dedupedSamples()).isZero();
        assertThat(rows(m)).isEqualTo(2 * 8);
        float[] bytes = h.listener.outcome("fixed").samples().get(0);
        assertThat(h.listener.outcome("range-a").samples().get(0)).containsExactly(bytes);
        assertThat(h.listener.outcome("range-b").samples().get(0)).containsExactly(bytes);
        // the chosen job keeps its previews
        assertThat(h.listener.previews).extracting(SamplePreview::step).containsExactly(4);
    }
}
