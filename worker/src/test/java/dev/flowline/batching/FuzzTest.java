package dev.flowline.batching;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** Random jobs, arrivals, cancellations and deadlines (fixed seeds): every job ends once, no row lost or doubled. */
class FuzzTest {

    static Stream<Arguments> modesPoliciesAndSeeds() {
        List<Arguments> args = new ArrayList<>();
        for (BatchingMode mode : BatchingMode.values()) {
            for (OrderingPolicy policy : OrderingPolicy.values()) {
                for (long seed : new long[] {1, 2, 3}) args.add(Arguments.of(mode, policy, seed));
            }
        }
        return args.stream();
    }

    static Stream<Arguments> modesAndPolicies() {
        List<Arguments> args = new ArrayList<>();
        for (BatchingMode mode : BatchingMode.values()) for (OrderingPolicy p : OrderingPolicy.values()) args.add(Arguments.of(mode, p));
        return args.stream();
    }

    @ParameterizedTest(name = "{0} {1} seed {2}")
    @MethodSource("modesPoliciesAndSeeds")
    void everyJobEndsExactlyOnceAndNoRowIsLostOrDoubled(BatchingMode mode, OrderingPolicy policy, long seed) {
        AnalyticModel a = new AnalyticModel("a", 5);
        AnalyticModel b = new AnalyticModel("b", 3, 2);
        List<MixedJobs.Spec> specs = MixedJobs.make(seed, 150, a, b);
        SchedulerOptions o = SchedulerOptions.defaults().withMode(mode).withMaxBatchRows(8).withMaxActiveSamples(12)
                .withMaxJobsInFlight(20).withResumeBelowJobs(10).withMaxDelayMicros(300).withAgingMillisPerLevel(5).withPolicy(policy);
        Harness h = new Harness(o, a, b);
        SplittableRandom r = new SplittableRandom(seed);
        Map<String, MixedJobs.Spec> byId = new HashMap<>();
        Set<String> accepted = new HashSet<>();
        Set<String> cancelled = new HashSet<>();
        Set<String> withDeadline = new HashSet<>();
        int rejectedFull = 0;
        int next = 0;
        while (next < specs.size()) {
            int action = r.nextInt(10);
            if (action < 4) {
                MixedJobs.Spec spec = specs.get(next);
                Job.Builder job = spec.job();
                boolean deadline = r.nextInt(5) == 0;
                if (deadline) job.optDeadline(h.clock.in(Duration.ofMillis(5 + r.nextInt(50))));
                Admission admission = h.offer(job);
                if (admission == Admission.ACCEPTED) {
                    accepted.add(spec.id());
                    byId.put(spec.id(), spec);
                    if (deadline) withDeadline.add(spec.id());
                    next++;
                } else {
                    assertThat(admission).isEqualTo(Admission.REJECTED_FULL);
                    rejectedFull++;
                }
            } else if (action == 4 && !accepted.isEmpty()) {
                String victim = "job-" + r.nextInt(next);
                if (h.scheduler.cancel(victim)) cancelled.add(victim);
            } else if (action == 5) {
                h.advance(Duration.ofMillis(r.nextInt(3)));
            } else {
                h.tick();
            }
        }
        h.runUntilIdle();
        // The seeds do exercise every path: rejections, cancellations, expiries and successes.
        assertThat(rejectedFull).isPositive();
        assertThat(h.listener.outcomes).extracting(JobOutcome::status)
                .contains(JobStatus.SUCCEEDED, JobStatus.CANCELLED, JobStatus.EXPIRED);

        assertThat(h.listener.outcomeCounts()).containsOnlyKeys(accepted).allSatisfy((id, n) -> assertThat(n).isEqualTo(1));
        assertThat(h.scheduler.jobsInFlight()).isZero();
        for (JobOutcome out : h.listener.outcomes) {
            String id = out.job().jobId();
            MixedJobs.Spec spec = byId.get(id);
            switch (out.status()) {
                case CANCELLED -> assertThat(cancelled).contains(id);
                case EXPIRED -> assertThat(withDeadline).contains(id);
                case FAILED -> throw new AssertionError(id + " failed: " + out.errorMessage());
                case SUCCEEDED -> {
                    for (int i = 0; i < spec.samples().size(); i++) {
                        TestSample s = spec.samples().get(i);
                        assertThat(s.accepts).isEqualTo(s.expectedNfe());
                        assertThat(out.samples().get(i)).containsExactly(spec.alone().get(i));
                    }
                }
            }
        }
        long rowsWritten = 0;
        for (MixedJobs.Spec spec : specs) {
            for (TestSample s : spec.samples()) {
                assertThat(s.pendingRows()).isZero();
                rowsWritten += s.rowsWritten;
            }
        }
        assertThat(h.listener.batches.stream().mapToLong(BatchRecord::rows).sum()).isEqualTo(rowsWritten);
        assertThat(h.listener.batches).allSatisfy(rec -> assertThat(rec.rows()).isBetween(1, 8));
        if (rejectedFull > 0) assertThat(h.listener.capacityEvents()).isBetween(1L, (long) rejectedFull);
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("modesAndPolicies")
    void concurrentProducersAndCancellersOnTheDeviceThread(BatchingMode mode, OrderingPolicy policy) throws Exception {
        AnalyticModel a = new AnalyticModel("a", 5);
        AnalyticModel b = new AnalyticModel("b", 3, 2);
        List<MixedJobs.Spec> specs = MixedJobs.make(99, 200, a, b);
        RecordingListener listener = new RecordingListener();
        SchedulerOptions o = SchedulerOptions.defaults().withMode(mode).withMaxBatchRows(16).withMaxActiveSamples(24)
                .withMaxDelayMicros(50).withPolicy(policy);
        Set<String> accepted = ConcurrentHashMap.newKeySet();
        Set<String> cancelled = ConcurrentHashMap.newKeySet();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try (Scheduler s = Scheduler.start(o, n -> n.equals("a") ? java.util.Optional.of(a) : java.util.Optional.of(b), listener)) {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<?>> work = new ArrayList<>();
            for (int p = 0; p < 3; p++) {
                int producer = p;
                work.add(pool.submit(() -> {
                    go.await();
                    for (int i = producer; i < specs.size(); i += 3) {
                        MixedJobs.Spec spec = specs.get(i);
                        assertThat(s.offer(spec.job().build())).isEqualTo(Admission.ACCEPTED);
                        accepted.add(spec.id());
                    }
                    return null;
                }));
            }
            work.add(pool.submit(() -> {
                go.await();
                SplittableRandom r = new SplittableRandom(5);
                for (int i = 0; i < 60; i++) {
                    String victim = "job-" + r.nextInt(specs.size());
                    if (s.cancel(victim)) cancelled.add(victim);
                    Thread.yield();
                }
                return null;
            }));
            go.countDown();
            for (Future<?> f : work) f.get();
            listener.awaitOutcomes(specs.size(), Duration.ofMinutes(2));
            assertThat(s.jobsInFlight()).isZero();
        } finally {
            pool.shutdownNow();
        }
        assertThat(listener.outcomeCounts()).hasSize(specs.size()).allSatisfy((id, n) -> assertThat(n).isEqualTo(1));
        for (JobOutcome out : listener.outcomes) {
            String id = out.job().jobId();
            if (out.status() == JobStatus.CANCELLED) {
                assertThat(cancelled).contains(id);
                continue;
            }
            assertThat(out.status()).isEqualTo(JobStatus.SUCCEEDED);
            MixedJobs.Spec spec = specs.get(Integer.parseInt(id.substring(4)));
            for (int i = 0; i < spec.samples().size(); i++) {
                assertThat(out.samples().get(i)).containsExactly(spec.alone().get(i));
            }
        }
    }
}
