package dev.flowline.batching;

import dev.flowline.sampling.SampleState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Ordering policies on the simulated device: the real scheduler on a virtual clock, each call costing what the cost
 * model says. Every assertion is on simulated time, so the figures are exact.
 */
class SimulatedPolicyTest {
    private static final long MS = 1_000_000L;
    /** Rows cost the same batched or not (a CPU): 20 µs per call + 1 ms per row. */
    private static final SimulatedDevice.CostModel CPU_LIKE = SimulatedDevice.CostModel.linear(20_000, 1_000_000);
    /** Rows nearly free (an accelerator): 3 ms per call + 30 µs per row. */
    private static final SimulatedDevice.CostModel ACCELERATOR_LIKE = SimulatedDevice.CostModel.linear(3_000_000, 30_000);

    /** One simulated run: outcomes and the virtual time each job ended. */
    private static final class Run {
        final AnalyticModel model = new AnalyticModel("m", 4);
        final RecordingListener outcomes = new RecordingListener();
        final Map<String, Long> endedAt = new HashMap<>();
        final Map<String, Long> arrivedAt = new HashMap<>();
        final SimulatedDevice sim;

        Run(SchedulerOptions options, SimulatedDevice.CostModel cost) {
            SchedulerListener recorder = new SchedulerListener() {
                @Override
                public void onCompleted(JobOutcome outcome) {
                    endedAt.put(outcome.job().jobId(), Run.this.sim.nanoTime());
                    outcomes.onCompleted(outcome);
                }

                @Override
                public void onBatch(BatchRecord batch) {
                    outcomes.onBatch(batch);
                }
            };
            sim = new SimulatedDevice(options.withMaxDelayMicros(0), n -> n.equals("m") ? Optional.of(model) : Optional.empty(),
                    cost, recorder);
        }

        void submit(long atNanos, Job.Builder job) {
            Job j = job.build();
            arrivedAt.put(j.jobId(), atNanos);
            sim.submitAt(atNanos, j);
        }

        void submit(long atNanos, String id, int steps) {
            submit(atNanos, Harness.job(id, "m", 0, TestSample.euler(4, id.hashCode(), steps)));
        }

        long latency(String id) {
            return endedAt.get(id) - arrivedAt.get(id);
        }

        /** Warms the cost curve: ten one-step jobs together, then one alone, both before {@code 100 ms}. */
        Run warmedUp() {
            for (int i = 0; i < 10; i++) submit(0, "warm-" + i, 1);
            submit(50 * MS, "warm-alone", 1);
            sim.run(100 * MS);
            return this;
        }
    }

    private static SchedulerOptions options(BatchingMode mode, OrderingPolicy policy) {
        return SchedulerOptions.defaults().withMode(mode).withPolicy(policy);
    }

    /** A 100-step job starts; 10 ms later a burst of 30 eight-step jobs arrives. Returns the long job's latency. */
    private static long longJobThroughABurst(SchedulerOptions options) {
        Run run = new Run(options, CPU_LIKE).warmedUp();
        run.submit(100 * MS, "long", 100);
        for (int i = 0; i < 30; i++) run.submit(110 * MS, "burst-" + i, 8);
        run.sim.run(Long.MAX_VALUE);
        assertThat(run.outcomes.outcomes).allSatisfy(o -> assertThat(o.status()).isEqualTo(JobStatus.SUCCEEDED));
        return run.latency("long");
    }

    @ParameterizedTest
    @EnumSource(value = OrderingPolicy.class, names = {"OLDEST_JOB_FIRST", "LEAST_SLACK_FIRST"})
    void aLongJobStartedBeforeABurstFinishesNoLaterThanUnderRequestLevel(OrderingPolicy policy) {
        long requestLevel = longJobThroughABurst(options(BatchingMode.REQUEST, policy));
        long continuous = longJobThroughABurst(options(BatchingMode.CONTINUOUS, policy));
        long roundRobin = longJobThroughABurst(options(BatchingMode.CONTINUOUS, OrderingPolicy.ROUND_ROBIN));

        assertThat(requestLevel).isEqualTo(100 * 1_020_000L); // alone: 100 calls of one row
        assertThat(continuous).isLessThanOrEqualTo(requestLevel);
        assertThat(roundRobin).isGreaterThan(2 * requestLevel); // the row round-robin shares the device with the burst
    }

    @ParameterizedTest
    @EnumSource(value = OrderingPolicy.class, names = {"OLDEST_JOB_FIRST", "LEAST_SLACK_FIRST"})
    void aFourStepJobArrivingDuringABurstFinishesWithinAFewOfItsServiceTimes(OrderingPolicy policy) {
        Run run = new Run(options(BatchingMode.CONTINUOUS, policy), ACCELERATOR_LIKE).warmedUp();
        run.submit(100 * MS, "long", 200);
        for (int i = 0; i < 100; i++) run.submit(101 * MS, "burst-" + i, 30); // 101 rows a step: more than a call takes
        run.submit(120 * MS, "short", 4);
        run.sim.run(Long.MAX_VALUE);

        long alone = 4 * ACCELERATOR_LIKE.callNanos(1);
        assertThat(run.latency("short")).isLessThanOrEqualTo(3 * alone);
        assertThat(run.outcomes.outcomeCounts()).hasSize(113);
    }

    @ParameterizedTest
    @EnumSource(value = OrderingPolicy.class, names = {"OLDEST_JOB_FIRST", "LEAST_SLACK_FIRST"})
    void aGuidedJobIsNotOvertakenByOneRowJobsThatArriveAfterItWhenCallsAreSizedToOneRow(OrderingPolicy policy) {
        // On a CPU-like device the learned call size is one row, below a guided sample's two: the guided job, being
        // the oldest, must still ride every call (whole) rather than be skipped for the one-row jobs behind it.
        Run run = new Run(options(BatchingMode.CONTINUOUS, policy), CPU_LIKE).warmedUp();
        run.submit(100 * MS, Harness.job("guided", "m", 0, TestSample.guidedHeun(4, 7, 4, 1, 2f)));
        for (int i = 0; i < 5; i++) run.submit(101 * MS, "later-" + i, 4);
        run.sim.run(Long.MAX_VALUE);

        long guidedEnd = run.endedAt.get("guided");
        for (int i = 0; i < 5; i++) assertThat(run.endedAt.get("later-" + i)).isGreaterThan(guidedEnd);
        // Alone it takes 8 evaluations of 2 rows; it started first, so it finished as if it were alone.
        assertThat(run.latency("guided")).isEqualTo(8 * CPU_LIKE.callNanos(2));
    }

    @ParameterizedTest
    @EnumSource(OrderingPolicy.class)
    void aLowPriorityJobStillFinishesWhileHigherPriorityWorkKeepsComing(OrderingPolicy policy) {
        Run run = new Run(options(BatchingMode.CONTINUOUS, policy).withMaxBatchRows(4).withAgingMillisPerLevel(20), CPU_LIKE)
                .warmedUp();
        run.submit(100 * MS, Harness.job("low", "m", 0, TestSample.euler(4, 1, 5)));
        for (int i = 0; i < 400; i++) { // priority-5 work keeps the device busy for the whole run
            run.submit(100 * MS + i * 2 * MS, Harness.job("high-" + i, "m", 5, TestSample.euler(4, 100 + i, 3)));
        }
        run.sim.run(Long.MAX_VALUE);

        assertThat(run.outcomes.outcome("low").status()).isEqualTo(JobStatus.SUCCEEDED);
        long lastHigh = run.endedAt.entrySet().stream().filter(e -> e.getKey().startsWith("high-"))
                .mapToLong(Map.Entry::getValue).max().orElseThrow();
        assertThat(run.endedAt.get("low")).isLessThan(lastHigh); // aging let it through while higher work remained
    }

    @Test
    void ofTwoDeadlineJobsTheEarlierDeadlineFinishesFirst() {
        Run run = new Run(options(BatchingMode.CONTINUOUS, OrderingPolicy.LEAST_SLACK_FIRST).withMaxBatchRows(2), CPU_LIKE)
                .warmedUp();
        Duration late = Duration.ofMillis(400), early = Duration.ofMillis(200);
        run.submit(100 * MS, Harness.job("late", "m", 0, TestSample.euler(4, 1, 50)).optDeadline(run.sim.instantAt(100 * MS).plus(late)));
        run.submit(100 * MS, Harness.job("early", "m", 0, TestSample.euler(4, 2, 50)).optDeadline(run.sim.instantAt(100 * MS).plus(early)));
        run.sim.run(Long.MAX_VALUE);

        assertThat(run.outcomes.completionOrder()).endsWith("early", "late");
        assertThat(run.outcomes.outcome("early").status()).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(run.outcomes.outcome("late").status()).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(run.endedAt.get("early")).isLessThanOrEqualTo(300 * MS);
    }

    /** A 24-sample, 40-step job with a deadline 160 ms away; 5 ms later 40 more samples arrive. */
    private static Run tightDeadlineAndANewcomer(OrderingPolicy policy) {
        Run run = new Run(options(BatchingMode.CONTINUOUS, policy), ACCELERATOR_LIKE).warmedUp();
        // Alone: 40 calls of 24 rows, 40 x 3.72 ms = 149 ms. With the newcomer's rows: 40 x 4.92 ms = 197 ms.
        SampleState[] tight = new SampleState[24];
        for (int i = 0; i < tight.length; i++) tight[i] = TestSample.euler(4, i, 40);
        run.submit(100 * MS, Harness.job("tight", "m", 0, tight).optDeadline(run.sim.instantAt(260 * MS)));
        SampleState[] more = new SampleState[40];
        for (int i = 0; i < more.length; i++) more[i] = TestSample.euler(4, 100 + i, 30);
        run.submit(105 * MS, Harness.job("newcomer", "m", 0, more));
        run.sim.run(Long.MAX_VALUE);
        return run;
    }

    @Test
    void aNewJobIsHeldBackWhileStartingItWouldMakeAnEarlierDeadlineMissIt() {
        Run run = tightDeadlineAndANewcomer(OrderingPolicy.LEAST_SLACK_FIRST);

        assertThat(run.outcomes.outcome("tight").status()).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(run.outcomes.outcome("newcomer").status()).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(run.outcomes.completionOrder()).endsWith("tight", "newcomer");
        // Held back until what "tight" had left could take the newcomer's rows and still meet its deadline.
        assertThat(run.outcomes.outcome("newcomer").queuedNanos()).isGreaterThan(50 * MS);

        Run unguarded = tightDeadlineAndANewcomer(OrderingPolicy.OLDEST_JOB_FIRST); // no deadline-first admission
        assertThat(unguarded.outcomes.outcome("tight").status()).isEqualTo(JobStatus.EXPIRED);
    }

    @Test
    void aJobWhoseDeadlineCannotBeMetExpiresWithoutAModelCall() {
        Run run = new Run(options(BatchingMode.CONTINUOUS, OrderingPolicy.LEAST_SLACK_FIRST), CPU_LIKE).warmedUp();
        int callsBefore = run.model.calls();
        // 100 steps take at least 102 ms alone; the deadline is 50 ms away.
        run.submit(100 * MS, Harness.job("hopeless", "m", 0, TestSample.euler(4, 1, 100))
                .optDeadline(run.sim.instantAt(150 * MS)));
        run.sim.run(Long.MAX_VALUE);

        JobOutcome o = run.outcomes.outcome("hopeless");
        assertThat(o.status()).isEqualTo(JobStatus.EXPIRED);
        assertThat(o.errorCode()).isEqualTo(SchedulerCore.DEADLINE);
        assertThat(o.modelCalls()).isZero();
        assertThat(run.model.calls()).isEqualTo(callsBefore);
        assertThat(run.endedAt.get("hopeless")).isEqualTo(100 * MS); // at once, not at its deadline
    }

    @Test
    void theSimulationIsExactlyRepeatable() {
        List<Long> first = null;
        for (int attempt = 0; attempt < 2; attempt++) {
            Run run = new Run(options(BatchingMode.CONTINUOUS, OrderingPolicy.LEAST_SLACK_FIRST), ACCELERATOR_LIKE).warmedUp();
            for (int i = 0; i < 50; i++) run.submit(100 * MS + i * 3 * MS, "j" + i, 1 + i % 9);
            run.sim.run(Long.MAX_VALUE);
            List<Long> ends = java.util.stream.IntStream.range(0, 50).mapToObj(i -> run.endedAt.get("j" + i)).toList();
            if (first == null) first = ends;
            else assertThat(ends).isEqualTo(first);
        }
    }

    @Test
    void theLearnedCurveSizesCallsToTheDevice() {
        Run cpu = new Run(options(BatchingMode.CONTINUOUS, OrderingPolicy.OLDEST_JOB_FIRST), CPU_LIKE).warmedUp();
        Run accelerator = new Run(options(BatchingMode.CONTINUOUS, OrderingPolicy.OLDEST_JOB_FIRST), ACCELERATOR_LIKE).warmedUp();
        for (Run run : List.of(cpu, accelerator)) {
            for (int i = 0; i < 40; i++) run.submit(100 * MS, "j" + i, 5);
            run.sim.run(Long.MAX_VALUE);
        }
        assertThat(cpu.outcomes.batches.subList(2, cpu.outcomes.batches.size())).allSatisfy(b -> assertThat(b.rows()).isEqualTo(1));
        assertThat(accelerator.outcomes.batches.subList(2, accelerator.outcomes.batches.size())).allSatisfy(b -> assertThat(b.rows()).isEqualTo(40));
        assertThat(cpu.sim.costCurves().get("m[4]fp32")).extracting(CallCost::rows).contains(1, 16);
        assertThat(cpu.sim.costCurves().get("m[4]fp32").getFirst().millisPerCall()).isEqualTo(1.02, org.assertj.core.data.Offset.offset(1e-9));

        // As exported to metrics and telemetry: the device's own line back (exact here, as the device is linear and
        // a bin's moving averages of rows and time stay on that line), and the call size each device gets.
        LearnedCost cpuCost = cpu.sim.learnedCosts().getFirst();
        assertThat(cpuCost.groupKey()).isEqualTo("m[4]fp32");
        assertThat(cpuCost.kind()).isEqualTo(LearnedCost.VELOCITY);
        assertThat(cpuCost.perCallMicros()).isCloseTo(20, org.assertj.core.data.Offset.offset(1e-6));
        assertThat(cpuCost.perRowMicros()).isCloseTo(1000, org.assertj.core.data.Offset.offset(1e-6));
        assertThat(cpuCost.targetRows()).isEqualTo(1);
        LearnedCost acceleratorCost = accelerator.sim.learnedCosts().getFirst();
        assertThat(acceleratorCost.perCallMicros()).isCloseTo(3000, org.assertj.core.data.Offset.offset(1e-6));
        assertThat(acceleratorCost.perRowMicros()).isCloseTo(30, org.assertj.core.data.Offset.offset(1e-6));
        assertThat(acceleratorCost.targetRows()).isEqualTo(SchedulerOptions.defaults().maxBatchRows());
        assertThat(acceleratorCost.calls()).isEqualTo(accelerator.outcomes.batches.size());
    }

    /** A one-sample Euler job that accepts [min, max] steps (Euler: one evaluation per step). */
    private static Job.Builder ranged(String id, long seed, int min, int max) {
        StepChoice range = new StepChoice(min, max, steps -> steps, steps -> List.of(TestSample.euler(4, seed, steps)));
        return Harness.job(id, "m", 0, TestSample.euler(4, seed, max)).optStepChoice(range);
    }

    @Test
    void aRangedJobGetsItsLargestStepCountUnderLightLoadAndItsSmallestUnderOverloadAndReplaysBitForBit() {
        SchedulerOptions o = options(BatchingMode.CONTINUOUS, OrderingPolicy.LEAST_SLACK_FIRST).withLatencyTargetMillis(100);
        Run light = new Run(o, CPU_LIKE).warmedUp();
        light.submit(100 * MS, ranged("r", 1, 4, 32)); // alone: 32 one-row calls of 1.02 ms, well within 100 ms
        light.sim.run(Long.MAX_VALUE);
        assertThat(light.outcomes.outcome("r").job().chosenSteps()).isEqualTo(32);

        Run busy = new Run(o, CPU_LIKE).warmedUp();
        for (int i = 0; i < 20; i++) busy.submit(100 * MS, "bulk-" + i, 50); // 1,000 rows (about a second) ahead
        busy.submit(101 * MS, ranged("r", 1, 4, 32));
        busy.sim.run(Long.MAX_VALUE);
        JobOutcome chosen = busy.outcomes.outcome("r");
        assertThat(chosen.status()).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(chosen.job().chosenSteps()).isEqualTo(4);
        assertThat(chosen.nfe()).isEqualTo(4);

        // The recorded count replays: the same seed at a fixed 4 steps gives the same bytes.
        Run replay = new Run(o, CPU_LIKE).warmedUp();
        replay.submit(100 * MS, Harness.job("fixed", "m", 0, TestSample.euler(4, 1, 4)));
        replay.sim.run(Long.MAX_VALUE);
        assertThat(chosen.samples().getFirst()).isEqualTo(replay.outcomes.outcome("fixed").samples().getFirst());
    }

    @Test
    void aRangedJobWithADeadlineGetsALargeCountThatStillMeetsIt() {
        Run run = new Run(options(BatchingMode.CONTINUOUS, OrderingPolicy.LEAST_SLACK_FIRST), CPU_LIKE).warmedUp();
        for (int i = 0; i < 5; i++) run.submit(100 * MS, "bulk-" + i, 20); // 100 rows ahead
        run.submit(100 * MS, ranged("r", 2, 4, 400).optDeadline(run.sim.instantAt(100 * MS).plus(Duration.ofMillis(200))));
        run.sim.run(Long.MAX_VALUE);

        JobOutcome r = run.outcomes.outcome("r");
        assertThat(r.status()).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(r.job().chosenSteps()).isGreaterThan(4).isLessThan(400); // 400 one-row calls would take 408 ms
        assertThat(run.endedAt.get("r")).isLessThanOrEqualTo(300 * MS);
    }

    @Test
    void withNeitherATargetNorADeadlineARangedJobRunsItsLargestCountWhateverTheLoad() {
        Run busy = new Run(options(BatchingMode.CONTINUOUS, OrderingPolicy.LEAST_SLACK_FIRST), CPU_LIKE).warmedUp();
        for (int i = 0; i < 20; i++) busy.submit(100 * MS, "bulk-" + i, 50);
        busy.submit(101 * MS, ranged("r", 1, 4, 32));
        busy.sim.run(Long.MAX_VALUE);
        assertThat(busy.outcomes.outcome("r").job().chosenSteps()).isEqualTo(32);
        assertThat(busy.outcomes.outcome("r").nfe()).isEqualTo(32);
    }
}
