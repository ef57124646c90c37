package dev.flowline.batching;

import dev.flowline.sampling.NamedSchedules;
import dev.flowline.sampling.SampleState;
import dev.flowline.sampling.Sampler;
import dev.flowline.sampling.SamplerConfig;
import dev.flowline.sampling.Solver;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Random jobs drawn from a small pool of samplers and seeds (so that many are identical), random priorities and arrivals,
 * cancellations, and abandons of jobs while their rows are inside a model call: every job ends once, and every job
 * that succeeds has exactly the bytes of its samples run alone, however its samples were shared and handed over.
 */
class DedupFuzzTest {
    private static final int DIM = 5;
    private static final List<Sampler> SAMPLERS = List.of(
            Sampler.of(SamplerConfig.builder().optSolver(Solver.EULER).optSteps(7).build(), NamedSchedules.NONE),
            Sampler.of(SamplerConfig.builder().optSolver(Solver.HEUN).optSteps(5).optGuidanceScale(2.5).build(), NamedSchedules.NONE),
            Sampler.of(SamplerConfig.builder().optSolver(Solver.RK4).optSteps(3).optGuidanceScale(1.5)
                    .optGuidanceInterval(0.2, 0.6).build(), NamedSchedules.NONE));

    static Stream<Arguments> modesPoliciesAndSeeds() {
        List<Arguments> args = new ArrayList<>();
        for (BatchingMode mode : new BatchingMode[] {BatchingMode.CONTINUOUS, BatchingMode.REQUEST}) {
            for (OrderingPolicy policy : OrderingPolicy.values()) {
                for (long seed : new long[] {1, 2, 3, 4}) args.add(Arguments.of(mode, policy, seed));
            }
        }
        return args.stream();
    }

    private record Spec(String id, int sampler, long seed, int samples, int priority) {
        Job.Builder job() {
            List<SampleState> states = new ArrayList<>();
            for (int i = 0; i < samples; i++) states.add(SAMPLERS.get(sampler).newSample(DIM, seed, i, 1));
            return Job.builder().setJobId(id).setModel("a").setSamples(states).optProgress(true).optPriority(priority)
                    .optDedupKey("s" + sampler + "|seed=" + seed);
        }

        /** Sample i run alone through the test field. */
        float[] alone(int i) {
            SampleState s = SAMPLERS.get(sampler).newSample(DIM, seed, i, 1);
            var field = AnalyticModel.field(DIM);
            float[] x = new float[2 * DIM];
            float[] t = new float[2];
            int[] labels = new int[2];
            float[] v = new float[2 * DIM];
            while (!s.isFinished()) {
                int rows = s.rowsNeeded();
                s.writeRows(x, t, labels, 0);
                field.velocity(rows, x, t, labels, v);
                s.acceptRows(v, 0);
            }
            return s.result();
        }
    }

    @ParameterizedTest(name = "{0} {1} seed {2}")
    @MethodSource("modesPoliciesAndSeeds")
    void sharedSamplesEndOnceAndSucceedWithTheirSoloBytes(BatchingMode mode, OrderingPolicy policy, long seed) {
        AnalyticModel m = new AnalyticModel("a", DIM);
        Harness h = new Harness(SchedulerOptions.defaults().withMode(mode).withPolicy(policy).withMaxBatchRows(8)
                .withMaxActiveSamples(16).withMaxDelayMicros(0), m);
        SplittableRandom r = new SplittableRandom(seed);
        Map<String, Spec> specs = new HashMap<>();
        Set<String> cancelled = new HashSet<>();
        Set<String> abandoned = new HashSet<>();
        List<String> toAbandon = new ArrayList<>();
        // a revoke that lands while the device is inside a call: the real race the hand-over must survive
        m.beforeCall(rows -> {
            if (!toAbandon.isEmpty()) {
                String id = toAbandon.removeFirst();
                if (!h.scheduler.abandon(j -> j.jobId().equals(id)).isEmpty()) abandoned.add(id);
            }
        });
        int n = 0;
        for (int turn = 0; turn < 400; turn++) {
            int action = r.nextInt(10);
            if (action < 4 && n < 60) {
                // sample counts differ: identical keys with different counts share their common indices
                // priorities differ too: a more urgent newcomer takes the lead of a shared sample
                Spec s = new Spec("j" + n++, r.nextInt(SAMPLERS.size()), r.nextInt(3), 1 + r.nextInt(3), r.nextInt(3));
                if (h.offer(s.job()) == Admission.ACCEPTED) specs.put(s.id(), s);
            } else if (action == 4 && n > 0) {
                String id = "j" + r.nextInt(n);
                if (h.scheduler.cancel(id)) cancelled.add(id);
            } else if (action == 5 && n > 0) {
                toAbandon.add("j" + r.nextInt(n));
            } else {
                h.tick();
            }
        }
        toAbandon.clear();
        h.runUntilIdle();

        assertThat(h.scheduler.jobsInFlight()).isZero();
        Map<String, Integer> counts = h.listener.outcomeCounts();
        for (Spec s : specs.values()) {
            if (abandoned.contains(s.id())) {
                assertThat(counts).as(s.id() + " abandoned").doesNotContainKey(s.id());
                continue;
            }
            assertThat(counts.get(s.id())).as(s.id()).isEqualTo(1);
            JobOutcome o = h.listener.outcome(s.id());
            if (o.status() == JobStatus.CANCELLED) {
                assertThat(cancelled).contains(s.id());
                continue;
            }
            assertThat(o.status()).as(s.id() + " " + o.errorMessage()).isEqualTo(JobStatus.SUCCEEDED);
            for (int i = 0; i < s.samples(); i++) assertThat(o.samples().get(i)).as(s.id() + "#" + i).containsExactly(s.alone(i));
        }
        long shared = h.listener.outcomes.stream().mapToInt(JobOutcome::dedupedSamples).sum();
        assertThat(shared).as("the pool is small enough that samples are shared").isPositive();
    }
}
