package dev.flowline.batching;

import dev.flowline.model.AnalyticGaussianModel;
import dev.flowline.sampling.BespokeSolver;
import dev.flowline.sampling.ButcherTableau;
import dev.flowline.sampling.NamedSchedules;
import dev.flowline.sampling.SampleRunner;
import dev.flowline.sampling.SampleState;
import dev.flowline.sampling.Sampler;
import dev.flowline.sampling.SamplerConfig;
import dev.flowline.sampling.SamplerConfigBuilder;
import dev.flowline.sampling.Solver;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The sampling library's own sample states (every solver including learned Bespoke solvers and the flow-map step,
 * guidance on part or all of the interval, the SDE sampler) over the analytic Gaussian model as a flow map, so that
 * flow-map rows (target time r = next grid point) and ordinary rows (r = t) share calls: batched by the scheduler, every sample is bit-identical to the library's
 * reference runner run on that sample alone.
 */
class RealSamplersTest {
    private final AnalyticGaussianModel small = AnalyticGaussianModel.builder().optName("small")
            .optSampleShape(2, 3).optNumClasses(4).optFlowMap(true).build();
    private final AnalyticGaussianModel large = AnalyticGaussianModel.builder().optName("large")
            .optSampleShape(1, 4, 4).optNumClasses(4).optFlowMap(true).build();
    /** Learned solvers "shipped" with the models: a time-and-scale transform over midpoint, one over Euler. */
    private static final NamedSchedules CATALOGUE = NamedSchedules.NONE.withBespoke(List.of(
            new BespokeSolver("bespoke-midpoint-2", ButcherTableau.MIDPOINT, 2, new double[] {0, 0.2, 0.45, 0.8},
                    new double[] {0.8, 1.1, 1.2, 0.9}, new double[] {1, 1.05, 1.1, 1.02}, new double[] {0.1, 0.2, -0.1, 0}, 0.97),
            new BespokeSolver("bespoke-euler-3", ButcherTableau.EULER, 3, new double[] {0, 0.3, 0.7},
                    new double[] {1.1, 0.9, 1.0}, new double[] {1, 0.9, 1.1}, new double[] {0, 0.3, -0.2}, 1.05)));

    private record Spec(String id, AnalyticGaussianModel model, Sampler sampler, long seed, int label, int samples,
                        int priority) {
        List<SampleState> states() {
            List<SampleState> out = new ArrayList<>();
            for (int i = 0; i < samples; i++) out.add(sampler.newSample(model.dim(), seed, i, label));
            return out;
        }
    }

    private static Sampler sampler(Solver solver, SplittableRandom r) {
        SamplerConfigBuilder b = SamplerConfig.builder().optSolver(solver);
        if (solver.isModelDefined()) b.optSteps(r.nextBoolean() ? 2 : 3);
        else if (!solver.isAdaptive()) b.optSteps(2 + r.nextInt(10));
        if (r.nextBoolean()) b.optGuidanceScale(1.5 + r.nextInt(3));
        if (r.nextInt(3) == 0) b.optGuidanceInterval(0.2, 0.6);
        if (r.nextInt(4) == 0 && !solver.isAdaptive() && !solver.isModelDefined()
                && solver.method() instanceof dev.flowline.sampling.ButcherTableau) {
            b.optStochasticity(0.3);
        }
        return Sampler.of(b.build(), CATALOGUE);
    }

    private List<Spec> specs() {
        SplittableRandom r = new SplittableRandom(2024);
        List<Spec> specs = new ArrayList<>();
        int j = 0;
        for (int round = 0; round < 2; round++) {
            for (Solver solver : Solver.values()) {
                AnalyticGaussianModel m = r.nextBoolean() ? small : large;
                specs.add(new Spec("job-" + j++, m, sampler(solver, r), r.nextLong(), r.nextInt(4), 1 + r.nextInt(3),
                        r.nextInt(3)));
            }
        }
        return specs;
    }

    private static float[] alone(Spec spec, int i) {
        SampleState s = spec.sampler().newSample(spec.model().dim(), spec.seed(), i, spec.label());
        SampleRunner.runToCompletion(spec.model(), spec.model().dim(), List.of(s));
        return s.result();
    }

    @ParameterizedTest
    @EnumSource(BatchingMode.class)
    void everySolverBatchedGivesTheReferenceResultBitForBit(BatchingMode mode) throws Exception {
        List<Spec> specs = specs();
        RecordingListener listener = new RecordingListener();
        SchedulerOptions o = SchedulerOptions.defaults().withMode(mode).withMaxBatchRows(12).withMaxDelayMicros(50);
        try (Scheduler s = Scheduler.start(o, n -> Optional.of(n.equals("small") ? small : large), listener)) {
            for (Spec spec : specs) {
                Job job = Harness.job(spec.id(), spec.model().info().name(), spec.priority(),
                        spec.states().toArray(SampleState[]::new)).build();
                assertThat(s.offer(job)).isEqualTo(Admission.ACCEPTED);
            }
            listener.awaitOutcomes(specs.size(), Duration.ofMinutes(2));
        }

        assertThat(listener.outcomes).hasSize(specs.size());
        for (Spec spec : specs) {
            JobOutcome out = listener.outcome(spec.id());
            assertThat(out.status()).as(spec.id() + " " + spec.sampler().config().solver()).isEqualTo(JobStatus.SUCCEEDED);
            for (int i = 0; i < spec.samples(); i++) {
                assertThat(out.samples().get(i)).as(spec.id() + " " + spec.sampler().config().solver() + " sample " + i)
                        .containsExactly(alone(spec, i));
            }
        }
        assertThat(listener.batches).allSatisfy(b -> assertThat(b.rows()).isBetween(1, 12));
    }

    @ParameterizedTest
    @EnumSource(BatchingMode.class)
    void theSameTurnByTurnWithStepsInterleavedWithArrivals(BatchingMode mode) {
        List<Spec> specs = specs();
        Harness h = new Harness(Harness.options(mode).withMaxBatchRows(7), small, large);
        for (int i = 0; i < specs.size(); i++) {
            Spec spec = specs.get(i);
            h.offer(Harness.job(spec.id(), spec.model().info().name(), spec.priority(),
                    spec.states().toArray(SampleState[]::new)));
            if (i % 2 == 0) h.tick();
        }
        h.runUntilIdle();

        for (Spec spec : specs) {
            JobOutcome out = h.listener.outcome(spec.id());
            assertThat(out.status()).isEqualTo(JobStatus.SUCCEEDED);
            for (int i = 0; i < spec.samples(); i++) assertThat(out.samples().get(i)).containsExactly(alone(spec, i));
        }
    }
}
