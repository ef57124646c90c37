package dev.flowline.batching;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Jobs batched together give exactly the results they give alone, in every mode, driven turn by turn and threaded. */
class MixedJobsTest {

    private static void assertSameAsAlone(List<MixedJobs.Spec> specs, RecordingListener listener) {
        assertThat(listener.outcomeCounts()).hasSize(specs.size()).allSatisfy((id, n) -> assertThat(n).isEqualTo(1));
        for (MixedJobs.Spec spec : specs) {
            JobOutcome o = listener.outcome(spec.id());
            assertThat(o.status()).as(spec.id()).isEqualTo(JobStatus.SUCCEEDED);
            assertThat(o.samples()).hasSize(spec.samples().size());
            for (int i = 0; i < spec.samples().size(); i++) {
                assertThat(o.samples().get(i)).as(spec.id() + " sample " + i).containsExactly(spec.alone().get(i));
            }
            int nfe = spec.samples().stream().mapToInt(TestSample::expectedNfe).max().orElseThrow();
            assertThat(o.nfe()).isEqualTo(nfe);
            assertThat(o.modelCalls()).isGreaterThanOrEqualTo(nfe);
            assertThat(o.maxBatchRows()).isBetween(1, 16);
            assertThat(o.meanBatchRows()).isBetween(1.0, (double) o.maxBatchRows());
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("dev.flowline.batching.FuzzTest#modesAndPolicies")
    void mixedJobsGiveTheirSoloResultsBitForBit(BatchingMode mode, OrderingPolicy policy) {
        AnalyticModel a = new AnalyticModel("a", 6);
        AnalyticModel b = new AnalyticModel("b", 2, 3, 2);
        List<MixedJobs.Spec> specs = MixedJobs.make(7, 30, a, b);
        Harness h = new Harness(Harness.options(mode).withMaxBatchRows(16).withPolicy(policy), a, b);
        h.msPerTick = 1;

        for (int i = 0; i < specs.size(); i++) {
            assertThat(h.offer(specs.get(i).job())).isEqualTo(Admission.ACCEPTED);
            if (i % 3 == 0) h.tick(); // arrivals interleave with steps
        }
        h.runUntilIdle();

        assertSameAsAlone(specs, h.listener);
        assertThat(h.listener.batches).allSatisfy(r -> assertThat(r.rows()).isBetween(1, 16));
        assertThat(h.scheduler.jobsInFlight()).isZero();
        long rowsWritten = specs.stream().flatMap(s -> s.samples().stream()).mapToLong(s -> s.rowsWritten).sum();
        assertThat(h.listener.batches.stream().mapToLong(BatchRecord::rows).sum()).isEqualTo(rowsWritten);
    }

    @Test
    void continuousBatchingPacksRowsOfManyJobsIntoOneCall() {
        AnalyticModel a = new AnalyticModel("a", 6);
        Harness h = new Harness(Harness.options(BatchingMode.CONTINUOUS), a);
        for (int i = 0; i < 8; i++) h.offer("j" + i, "a", TestSample.euler(6, i, 10));

        h.runUntilIdle();

        assertThat(a.callRows).hasSize(10).containsOnly(8);
        assertThat(h.listener.batches).allSatisfy(r -> {
            assertThat(r.jobs()).isEqualTo(8);
            assertThat(r.samples()).isEqualTo(8);
            assertThat(r.groupKey()).isEqualTo("a[6]fp32");
        });
        assertThat(h.listener.outcomes).allSatisfy(o -> {
            assertThat(o.modelCalls()).isEqualTo(10);
            assertThat(o.meanBatchRows()).isEqualTo(8.0);
        });
    }

    @Test
    void noneModeRunsOneJobPerCall() {
        AnalyticModel a = new AnalyticModel("a", 6);
        Harness h = new Harness(Harness.options(BatchingMode.NONE), a);
        for (int i = 0; i < 3; i++) h.offer("j" + i, "a", TestSample.euler(6, i, 4), TestSample.euler(6, 10 + i, 4));

        h.runUntilIdle();

        assertThat(h.listener.batches).hasSize(12).allSatisfy(r -> assertThat(r.jobs()).isEqualTo(1));
        assertThat(a.callRows).containsOnly(2);
        assertThat(h.listener.completionOrder()).containsExactly("j0", "j1", "j2");
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("dev.flowline.batching.FuzzTest#modesAndPolicies")
    void onTheDeviceThreadMixedJobsGiveTheirSoloResults(BatchingMode mode, OrderingPolicy policy) throws Exception {
        AnalyticModel a = new AnalyticModel("a", 6);
        AnalyticModel b = new AnalyticModel("b", 2, 3, 2);
        List<MixedJobs.Spec> specs = MixedJobs.make(11, 40, a, b);
        RecordingListener listener = new RecordingListener();
        SchedulerOptions options = SchedulerOptions.defaults().withMode(mode).withMaxBatchRows(16).withMaxDelayMicros(100).withPolicy(policy);
        try (Scheduler s = Scheduler.start(options, name -> name.equals("a") ? java.util.Optional.of(a)
                : name.equals("b") ? java.util.Optional.of(b) : java.util.Optional.empty(), listener)) {
            for (MixedJobs.Spec spec : specs) assertThat(s.offer(spec.job().build())).isEqualTo(Admission.ACCEPTED);
            listener.awaitOutcomes(specs.size(), Duration.ofMinutes(2));
            assertThat(s.jobsInFlight()).isZero();
        }
        assertSameAsAlone(specs, listener);
    }
}
