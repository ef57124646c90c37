package dev.flowline.batching;

import dev.flowline.sampling.SampleState;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The pure core alone: which group and which rows each call gets. No threads; time is a plain number. */
class SchedulerCoreGroupSelectionTest {
    private static final long MS = 1_000_000L;

    private final ManualClock clock = new ManualClock();
    private final AnalyticModel small = new AnalyticModel("small", 4);
    private final AnalyticModel large = new AnalyticModel("large", 2, 4);

    private SchedulerCore core(SchedulerOptions options) {
        return new SchedulerCore(options);
    }

    private static SchedulerOptions opts() {
        return SchedulerOptions.defaults().withMaxDelayMicros(0);
    }

    private void offer(SchedulerCore core, String id, AnalyticModel model, int priority, SampleState... samples) {
        Admission a = core.offer(Harness.job(id, model.info().name(), priority, samples).build(), model,
                clock.nanoTime(), clock.now());
        assertThat(a).isEqualTo(Admission.ACCEPTED);
    }

    /** Plans one call, runs it for real and books it; returns the plan. */
    private BatchPlan step(SchedulerCore core, BatchExecutor executor) {
        SchedulerCore.Tick tick = core.plan(clock.nanoTime());
        BatchPlan plan = tick.batch();
        if (plan == null) return null;
        BatchResult result = executor.execute(plan, 0);
        clock.advance(java.time.Duration.ofMillis(1)); // the model call takes time: its rows are younger than the rest
        core.complete(plan, result, clock.nanoTime());
        return plan;
    }

    private static List<String> jobsOf(BatchPlan plan) {
        return Arrays.stream(plan.members).map(s -> s.run.job.jobId()).distinct().sorted().toList();
    }

    @Test
    void higherPriorityGroupIsCalledFirst() {
        SchedulerCore core = core(opts());
        offer(core, "low", small, 0, TestSample.euler(4, 1, 3));
        offer(core, "high", large, 5, TestSample.euler(8, 2, 3));

        BatchPlan first = core.plan(clock.nanoTime()).batch();

        assertThat(first.groupKey).isEqualTo("large[2x4]fp32");
        assertThat(jobsOf(first)).containsExactly("high");
    }

    @Test
    void equalPrioritiesAlternateByOldestWaitingRow() {
        SchedulerCore core = core(opts().withPolicy(OrderingPolicy.ROUND_ROBIN));
        BatchExecutor executor = new BatchExecutor(64, clock);
        offer(core, "a", small, 0, TestSample.euler(4, 1, 3));
        offer(core, "b", large, 0, TestSample.euler(8, 2, 3));

        List<String> order = new ArrayList<>();
        for (BatchPlan p; (p = step(core, executor)) != null; clock.advance(java.time.Duration.ofMillis(1))) {
            order.add(p.members[0].run.job.jobId());
        }

        assertThat(order).containsExactly("a", "b", "a", "b", "a", "b");
    }

    @Test
    void agingLetsALowPriorityGroupThroughWhileAHighPriorityOneStillRuns() {
        SchedulerCore core = core(opts().withAgingMillisPerLevel(10).withPolicy(OrderingPolicy.ROUND_ROBIN));
        BatchExecutor executor = new BatchExecutor(64, clock);
        offer(core, "urgent", small, 3, TestSample.euler(4, 1, 100));
        offer(core, "patient", large, 0, TestSample.euler(8, 2, 2));

        List<String> order = new ArrayList<>();
        while (order.size() < 100) {
            order.add(step(core, executor).members[0].run.job.jobId());
        }

        // Three levels behind, "patient" needs 30 ms of waiting (one tick is 1 ms) to tie, and then its row is older.
        assertThat(order.subList(0, 30)).containsOnly("urgent");
        assertThat(order.indexOf("patient")).isEqualTo(30);
        assertThat(order.stream().filter("patient"::equals).count()).isEqualTo(2);
        assertThat(order.lastIndexOf("patient")).isLessThan(order.lastIndexOf("urgent"));
    }

    @Test
    void callsNeverExceedMaxBatchRowsAndEverySampleGetsItsTurn() {
        SchedulerCore core = core(opts().withMaxBatchRows(8));
        BatchExecutor executor = new BatchExecutor(8, clock);
        List<TestSample> samples = new ArrayList<>();
        for (int i = 0; i < 20; i++) samples.add(TestSample.euler(4, i, 4));
        offer(core, "wide", small, 0, samples.toArray(SampleState[]::new));

        List<Integer> rows = new ArrayList<>();
        for (BatchPlan p; (p = step(core, executor)) != null; clock.advance(java.time.Duration.ofMillis(1))) {
            rows.add(p.rows);
            int done = rows.size();
            if (done % 5 == 0) { // every 5 calls of 8 rows cover the 20 samples twice over, oldest row first
                for (TestSample s : samples) assertThat(s.nfe()).isEqualTo(2 * done / 5);
            }
        }

        assertThat(rows).allMatch(r -> r == 8);
        assertThat(rows).hasSize(10); // 20 samples x 4 steps = 80 rows
        assertThat(small.callRows).containsOnly(8);
    }

    @Test
    void guidedRowsStayTogetherAndSmallerSamplesFillTheRest() {
        SchedulerCore core = core(opts().withMaxBatchRows(5));
        BatchExecutor executor = new BatchExecutor(5, clock);
        offer(core, "g1", small, 1, TestSample.guidedHeun(4, 1, 2, 5, 2f));
        offer(core, "g2", small, 1, TestSample.guidedHeun(4, 2, 2, 6, 2f));
        offer(core, "g3", small, 1, TestSample.guidedHeun(4, 3, 2, 7, 2f));
        offer(core, "u1", small, 0, TestSample.euler(4, 4, 4));

        int calls = 0;
        for (BatchPlan p; (p = step(core, executor)) != null; clock.advance(java.time.Duration.ofMillis(1))) {
            calls++;
            assertThat(p.rows).isLessThanOrEqualTo(5);
            int row = 0;
            for (int i = 0; i < p.members.length; i++) {
                assertThat(p.rowOffsets[i]).isEqualTo(row);
                row += p.rowsOf(i);
            }
            assertThat(row).isEqualTo(p.rows);
        }
        // Every guided call's labels come in (label, NO_LABEL) pairs at the pair's own rows.
        for (int[] labels : small.callLabels) {
            for (int r = 0; r < labels.length; r++) {
                if (labels[r] >= 5) assertThat(labels[r + 1]).isEqualTo(-1);
            }
        }
        // The first call: two guided pairs (the most urgent) and the unguided sample fills the fifth row.
        assertThat(small.callRows.get(0)).isEqualTo(5);
        assertThat(small.callLabels.get(0)).containsExactly(5, -1, 6, -1, 3);
        assertThat(calls).isEqualTo(small.calls());
    }

    @Test
    void aCohortStartingOnAnIdleDeviceWaitsForCompanyButARunningOneNeverDoes() {
        SchedulerCore core = core(opts().withMaxDelayMicros(500));
        BatchExecutor executor = new BatchExecutor(64, clock);
        long t0 = clock.nanoTime();
        offer(core, "a", small, 0, TestSample.euler(4, 1, 5));

        SchedulerCore.Tick first = core.plan(clock.nanoTime());
        assertThat(first.batch()).isNull();
        assertThat(first.waitUntilNanos()).isEqualTo(t0 + 500_000);

        clock.advance(java.time.Duration.ofNanos(200_000));
        offer(core, "b", small, 0, TestSample.euler(4, 2, 5));
        assertThat(core.plan(clock.nanoTime()).waitUntilNanos()).isEqualTo(t0 + 500_000); // the window does not restart

        clock.setNanos(t0 + 500_000);
        BatchPlan together = step(core, executor);
        assertThat(jobsOf(together)).containsExactly("a", "b");
        assertThat(together.jobs).isEqualTo(2); // the plans formed while waiting did not spoil the count

        offer(core, "c", small, 0, TestSample.euler(4, 3, 5));
        BatchPlan next = step(core, executor); // a and b already ran: no waiting, c joins at once
        assertThat(jobsOf(next)).containsExactly("a", "b", "c");
    }

    @Test
    void aFullCallNeverWaits() {
        SchedulerCore core = core(opts().withMaxDelayMicros(500).withMaxBatchRows(2));
        offer(core, "a", small, 0, TestSample.euler(4, 1, 5), TestSample.euler(4, 2, 5));

        assertThat(core.plan(clock.nanoTime()).batch()).isNotNull();
    }

    @Test
    void continuousAdmissionStopsAtTheHeadOfTheQueueWhenTheActiveSetIsFull() {
        SchedulerCore core = core(opts().withMaxActiveSamples(3));
        offer(core, "two-a", small, 0, TestSample.euler(4, 1, 5), TestSample.euler(4, 2, 5));
        offer(core, "two-b", small, 0, TestSample.euler(4, 3, 5), TestSample.euler(4, 4, 5));
        offer(core, "one", small, 0, TestSample.euler(4, 5, 5));

        BatchPlan plan = core.plan(clock.nanoTime()).batch();

        assertThat(jobsOf(plan)).containsExactly("two-a"); // "one" would fit, but may not overtake "two-b"
        SchedulerSnapshot s = core.snapshot();
        assertThat(s.activeSamples()).isEqualTo(2);
        assertThat(s.queuedJobs()).isEqualTo(2);
        assertThat(s.jobsInFlight()).isEqualTo(3);
    }

    @Test
    void aJobLargerThanTheActiveSetRunsAlone() {
        SchedulerCore core = core(opts().withMaxActiveSamples(2));
        offer(core, "big", small, 0, TestSample.euler(4, 1, 1), TestSample.euler(4, 2, 1), TestSample.euler(4, 3, 1));

        BatchPlan plan = core.plan(clock.nanoTime()).batch();

        assertThat(plan.members).hasSize(3);
    }
}
