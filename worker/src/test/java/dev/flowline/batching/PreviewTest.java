package dev.flowline.batching;

import dev.flowline.sampling.NamedSchedules;
import dev.flowline.sampling.SampleState;
import dev.flowline.sampling.Sampler;
import dev.flowline.sampling.SamplerConfig;
import dev.flowline.sampling.Solver;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Previews of x̂₁ = x + (1 − t)·v every k steps of sample 0, for jobs with progress on, through the real scheduler. */
class PreviewTest {
    private static final int DIM = 6;

    private static Sampler sampler(Solver solver, int steps) {
        return Sampler.of(SamplerConfig.builder().optSolver(solver).optSteps(steps).build(), NamedSchedules.NONE);
    }

    private static Job.Builder job(String id, Sampler sampler, int samples) {
        List<SampleState> states = new ArrayList<>();
        for (int i = 0; i < samples; i++) states.add(sampler.newSample(DIM, 7, i, 2));
        return Job.builder().setJobId(id).setModel("a").setSamples(states);
    }

    private static Harness harness() {
        return new Harness(Harness.options(BatchingMode.CONTINUOUS), new AnalyticModel("a", DIM));
    }

    private static List<SamplePreview> previews(Harness h, String id) {
        return h.listener.previews.stream().filter(p -> p.job().jobId().equals(id)).toList();
    }

    @Test
    void everyKStepsOfSampleZeroInStepOrderEachItsOwnEstimate() {
        Harness h = harness();
        h.offer(job("p", sampler(Solver.HEUN, 12), 2).optProgress(true).optPreviewEvery(3)); // Heun: 2 evaluations a step

        h.runUntilIdle();

        List<SamplePreview> ps = previews(h, "p");
        // none at step 12: the job ends in that tick, and nothing of a job is reported after its end
        assertThat(ps).extracting(SamplePreview::step).containsExactly(3, 6, 9);
        assertThat(ps).extracting(SamplePreview::sampleIndex).containsOnly(0);
        assertThat(ps).extracting(SamplePreview::t).containsExactly(0.25, 0.5, 0.75);
        assertThat(ps).allSatisfy(p -> assertThat(p.estimate()).hasSize(DIM));
        // each is sample 0's own estimate at that step, bit for bit as when that sample runs alone
        for (SamplePreview p : ps) {
            assertThat(p.estimate()).as("step " + p.step()).containsExactly(aloneUntil(sampler(Solver.HEUN, 12), 0, p.step()));
        }
        assertThat(ps.get(0).estimate()).isNotEqualTo(aloneUntil(sampler(Solver.HEUN, 12), 1, 3));
        // each preview follows the progress event of its tick
        List<String> log = h.listener.log;
        assertThat(log.indexOf("preview:p:3")).isLessThan(log.indexOf("preview:p:6"));
        assertThat(h.listener.progress.stream().filter(p -> p.stepsDone() == 3)).isNotEmpty();
    }

    /** Sample {@code index} of a job driven alone through the test field until {@code steps} steps: its estimate. */
    private static float[] aloneUntil(Sampler sampler, int index, int steps) {
        SampleState s = sampler.newSample(DIM, 7, index, 2);
        var field = AnalyticModel.field(DIM);
        float[] x = new float[2 * DIM];
        float[] t = new float[2];
        int[] labels = new int[2];
        float[] v = new float[2 * DIM];
        while (s.stepsDone() < steps) {
            int rows = s.rowsNeeded();
            s.writeRows(x, t, labels, 0);
            field.velocity(rows, x, t, labels, v);
            s.acceptRows(v, 0);
        }
        return s.finalEstimate();
    }

    @Test
    void theEstimateFollowsTheLastVelocityToTimeOne() {
        // a constant field v = c: from any state x at time t, x + (1 - t) c is exactly where the flow ends
        SampleState s = sampler(Solver.EULER, 4).newSample(2, 1, 0, dev.flowline.sampling.VelocityField.NO_LABEL);
        float[] x = new float[2];
        float[] t = new float[1];
        int[] labels = new int[1];
        float[] v = {0.5f, -0.25f};
        assertThat(s.finalEstimate()).as("no velocity yet").isNull();
        s.writeRows(x, t, labels, 0);
        float[] x0 = x.clone();
        s.acceptRows(v, 0);
        s.writeRows(x, t, labels, 0);
        s.acceptRows(v, 0);
        float[] estimate = s.finalEstimate();
        assertThat(estimate[0]).isCloseTo(x0[0] + 0.5f, org.assertj.core.data.Offset.offset(1e-6f)); // x0 is the float32 row
        assertThat(estimate[1]).isCloseTo(x0[1] - 0.25f, org.assertj.core.data.Offset.offset(1e-6f));
    }

    @Test
    void noPreviewsWhenPreviewEveryIsZeroOrProgressIsOff() {
        Harness h = harness();
        h.offer(job("zero", sampler(Solver.EULER, 8), 1).optProgress(true));
        h.offer(job("quiet", sampler(Solver.EULER, 8), 1).optPreviewEvery(2));

        h.runUntilIdle();

        assertThat(h.listener.outcomes).hasSize(2);
        assertThat(h.listener.progress).as("the progress job still reports progress").isNotEmpty();
        assertThat(h.listener.previews).isEmpty();
    }

    @Test
    void noPreviewAfterCancellation() {
        Harness h = harness();
        h.offer(job("c", sampler(Solver.EULER, 20), 1).optProgress(true).optPreviewEvery(2));
        h.offer(job("other", sampler(Solver.EULER, 20), 1));
        for (int i = 0; i < 5; i++) assertThat(h.tick()).isTrue();
        assertThat(h.scheduler.cancel("c")).isTrue();

        h.runUntilIdle();

        assertThat(h.listener.outcome("c").status()).isEqualTo(JobStatus.CANCELLED);
        assertThat(previews(h, "c")).extracting(SamplePreview::step).containsExactly(2, 4);
        List<String> log = h.listener.log;
        assertThat(log.subList(log.indexOf("completed:c"), log.size())).noneMatch(e -> e.startsWith("preview:c:"));
        assertThat(h.listener.outcome("other").status()).isEqualTo(JobStatus.SUCCEEDED);
    }

    @Test
    void aJobJoiningASharedSampleMidFlightGetsPreviewsAtTheNextMultiples() {
        Harness h = harness();
        Sampler euler = sampler(Solver.EULER, 12);
        h.offer(job("lead", euler, 1).optDedupKey("euler12|seed=7"));
        for (int i = 0; i < 4; i++) assertThat(h.tick()).isTrue(); // the shared sample is at step 4
        h.offer(job("joiner", euler, 1).optDedupKey("euler12|seed=7").optProgress(true).optPreviewEvery(3));

        h.runUntilIdle();

        assertThat(h.listener.outcome("joiner").dedupedSamples()).isEqualTo(1);
        assertThat(previews(h, "joiner")).extracting(SamplePreview::step).containsExactly(6, 9);
        assertThat(previews(h, "joiner").get(0).estimate()).containsExactly(aloneUntil(euler, 0, 6));
    }
}
