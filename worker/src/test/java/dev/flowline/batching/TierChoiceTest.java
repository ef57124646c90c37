package dev.flowline.batching;

import dev.flowline.sampling.SampleState;
import dev.flowline.sampling.Sampler;
import dev.flowline.sampling.SamplerConfig;
import dev.flowline.sampling.VelocityField;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A quality tier on the simulated device: the scheduler picks, at admission, the most expensive of a list of
 * different samplers whose expected finish meets the target, else the cheapest (the step-range logic over
 * candidates). Every figure is virtual time, so the choices are exact.
 */
class TierChoiceTest {
    private static final long MS = 1_000_000L;
    /** Rows cost the same batched or not (a CPU): 20 µs per call + 1 ms per row. */
    private static final SimulatedDevice.CostModel CPU_LIKE = SimulatedDevice.CostModel.linear(20_000, 1_000_000);
    private static final int DIM = 4;

    private static Sampler sampler(String solver, int steps) {
        return Sampler.of(SamplerConfig.builder().optSolver(solver).optSteps(steps).build());
    }

    /** Cheapest first: Euler 2 steps (2 NFE), midpoint 4 steps (8 NFE), Heun 16 steps (32 NFE). */
    private static final List<Sampler> TIER = List.of(sampler("euler", 2), sampler("midpoint", 4), sampler("heun", 16));

    private static StepChoice.Candidate candidate(Sampler s) {
        return new StepChoice.Candidate(s.config().solver().id(), s.steps(), null, s.maxNfe());
    }

    private static SampleState sample(Sampler s, long seed) {
        return s.newSample(DIM, seed, 0, VelocityField.NO_LABEL);
    }

    /** A one-sample job of the tier; its samples are those of the dearest candidate until the scheduler picks. */
    private static Job.Builder tiered(String id, long seed) {
        StepChoice tier = StepChoice.of(TIER.stream().map(TierChoiceTest::candidate).toList(),
                i -> List.of(sample(TIER.get(i), seed)));
        return Harness.job(id, "m", 0, sample(TIER.getLast(), seed)).optStepChoice(tier)
                .optEvaluationsPerSample(TIER.getLast().maxNfe());
    }

    private static final class Run {
        final AnalyticModel model = new AnalyticModel("m", DIM);
        final RecordingListener outcomes = new RecordingListener();
        final SimulatedDevice sim;

        Run(SchedulerOptions options) {
            sim = new SimulatedDevice(options.withMaxDelayMicros(0), n -> n.equals("m") ? Optional.of(model) : Optional.empty(),
                    CPU_LIKE, outcomes);
        }

        /** The device's cost learned from a few small calls, as a worker that has served a while knows it. */
        Run warmedUp() {
            for (int i = 0; i < 10; i++) sim.submitAt(0, Harness.job("warm-" + i, "m", 0, TestSample.euler(DIM, i, 1)).build());
            sim.submitAt(50 * MS, Harness.job("warm-alone", "m", 0, TestSample.euler(DIM, 99, 1)).build());
            sim.run(100 * MS);
            return this;
        }

        /** A one-sample Euler job of {@code steps} steps (one row a step) arriving at {@code atNanos}. */
        void bulk(long atNanos, String id, int steps) {
            sim.submitAt(atNanos, Harness.job(id, "m", 0, TestSample.euler(DIM, id.hashCode(), steps)).build());
        }

        JobOutcome run(long atNanos, Job.Builder job) {
            sim.submitAt(atNanos, job.build());
            sim.run(Long.MAX_VALUE);
            return outcomes.outcome(job.build().jobId());
        }
    }

    private static SchedulerOptions withTarget(long millis) {
        return SchedulerOptions.defaults().withMode(BatchingMode.CONTINUOUS).withPolicy(OrderingPolicy.LEAST_SLACK_FIRST)
                .withLatencyTargetMillis(millis);
    }

    @Test
    void underLightLoadTheDearestCandidateRunsAndUnderOverloadTheCheapest() {
        JobOutcome light = new Run(withTarget(100)).warmedUp().run(100 * MS, tiered("t", 1)); // 32 calls of 1.02 ms alone
        assertThat(light.status()).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(light.job().chosen()).isEqualTo(new StepChoice.Candidate("heun", 16, null, 32));
        assertThat(light.job().chosenSteps()).isEqualTo(16);
        assertThat(light.nfe()).isEqualTo(32);

        Run busy = new Run(withTarget(100)).warmedUp();
        for (int i = 0; i < 20; i++) busy.bulk(100 * MS, "bulk-" + i, 50); // 1,000 rows (about a second) ahead
        JobOutcome overloaded = busy.run(101 * MS, tiered("t", 1));
        assertThat(overloaded.status()).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(overloaded.job().chosen()).isEqualTo(new StepChoice.Candidate("euler", 2, null, 2));
        assertThat(overloaded.nfe()).isEqualTo(2);
    }

    @Test
    void betweenTheEndsTheDearestCandidateThatStillFitsRuns() {
        Run run = new Run(withTarget(100)).warmedUp();
        run.bulk(100 * MS, "bulk", 70); // 70 rows (about 71 ms) ahead: Heun's 32 calls would end near 104 ms, midpoint's 8 near 80
        JobOutcome t = run.run(100 * MS, tiered("t", 3));
        assertThat(t.job().chosen()).isEqualTo(new StepChoice.Candidate("midpoint", 4, null, 8));
        assertThat(t.nfe()).isEqualTo(8);
    }

    @Test
    void aDeadlineTakesThePlaceOfTheTarget() {
        Run run = new Run(SchedulerOptions.defaults().withMode(BatchingMode.CONTINUOUS)).warmedUp();
        for (int i = 0; i < 20; i++) run.bulk(100 * MS, "bulk-" + i, 50);
        JobOutcome t = run.run(100 * MS, tiered("t", 4).optDeadline(run.sim.instantAt(100 * MS).plus(Duration.ofMillis(50))));
        assertThat(t.job().chosen().solver()).isEqualTo("euler");
    }

    @Test
    void withNeitherATargetNorADeadlineTheDearestRunsWhateverTheLoad() {
        Run busy = new Run(SchedulerOptions.defaults().withMode(BatchingMode.CONTINUOUS)).warmedUp();
        for (int i = 0; i < 20; i++) busy.bulk(100 * MS, "bulk-" + i, 50);
        JobOutcome t = busy.run(101 * MS, tiered("t", 1));
        assertThat(t.job().chosen().solver()).isEqualTo("heun");
        assertThat(t.nfe()).isEqualTo(32);
    }

    @Test
    void theChosenCandidateReplaysBitForBitAsAJobAskingForItsSampler() {
        Run busy = new Run(withTarget(100)).warmedUp();
        for (int i = 0; i < 20; i++) busy.bulk(100 * MS, "bulk-" + i, 50);
        JobOutcome overloaded = busy.run(101 * MS, tiered("t", 7));
        Run light = new Run(withTarget(100)).warmedUp();
        JobOutcome unloaded = light.run(100 * MS, tiered("t", 7));
        assertThat(overloaded.job().chosen().solver()).isEqualTo("euler");
        assertThat(unloaded.job().chosen().solver()).isEqualTo("heun");

        for (JobOutcome o : List.of(overloaded, unloaded)) {
            Sampler asked = sampler(o.job().chosen().solver(), o.job().chosen().steps());
            Run replay = new Run(withTarget(100)).warmedUp();
            JobOutcome fixed = replay.run(100 * MS, Harness.job("fixed", "m", 0, sample(asked, 7)));
            assertThat(fixed.samples().getFirst()).isEqualTo(o.samples().getFirst());
        }
        assertThat(overloaded.samples().getFirst()).isNotEqualTo(unloaded.samples().getFirst());
    }

    @Test
    void candidatesMustGrowInCost() {
        assertThatThrownBy(() -> StepChoice.of(List.of(candidate(TIER.get(1)), candidate(TIER.get(0))), i -> List.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("increasing evaluations");
        assertThatThrownBy(() -> StepChoice.of(List.of(), i -> List.of())).isInstanceOf(IllegalArgumentException.class);
        // A step range is the candidates min..max of one sampler.
        StepChoice range = new StepChoice(3, 5, steps -> 2 * steps, steps -> List.of());
        assertThat(range.size()).isEqualTo(3);
        assertThat(range.candidate().apply(0)).isEqualTo(new StepChoice.Candidate(null, 3, null, 6));
        assertThat(range.largest()).isEqualTo(new StepChoice.Candidate(null, 5, null, 10));
    }
}
