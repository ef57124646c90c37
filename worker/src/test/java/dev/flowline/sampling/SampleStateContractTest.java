package dev.flowline.sampling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The contract the batching scheduler relies on, for every solver. */
class SampleStateContractTest {

    private static final int DIM = 3;
    private static final AnalyticFlows.TanFlow FIELD = new AnalyticFlows.TanFlow(1.0, 0.3, DIM);

    private static Sampler sampler(Solver solver) {
        return Sampler.of(SamplerConfig.builder().optSolver(solver).optSteps(solver.isAdaptive() ? null : 32).build());
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = Solver.class, mode = EnumSource.Mode.EXCLUDE, names = {"BESPOKE", "FLOWMAP"}) // model-specific: BespokeSolverTest, FlowMapSolverTest
    void sampleRunsFromNoiseAtZeroToAFinishedResultAtOne(Solver solver) {
        Sampler sampler = sampler(solver);
        SampleState s = sampler.newSample(DIM, 1, 0, VelocityField.NO_LABEL);
        assertThat(s.time()).isZero();
        assertThat(s.nfe()).isZero();
        assertThat(s.stepsDone()).isZero();
        assertThat(s.rowsNeeded()).isEqualTo(1);
        assertThatThrownBy(s::result).isInstanceOf(IllegalStateException.class);

        float[] x = new float[DIM];
        float[] t = new float[1];
        int[] labels = new int[1];
        float[] v = new float[DIM];
        double lastTime = 0;
        int lastSteps = 0;
        while (!s.isFinished()) {
            s.writeRows(x, t, labels, 0);
            FIELD.velocity(1, x, t, labels, v);
            s.acceptRows(v, 0);
            assertThat(s.time()).isGreaterThanOrEqualTo(lastTime);
            assertThat(s.stepsDone()).isGreaterThanOrEqualTo(lastSteps).isLessThanOrEqualTo(s.totalSteps());
            lastTime = s.time();
            lastSteps = s.stepsDone();
        }
        assertThat(s.rowsNeeded()).isZero();
        assertThat(s.time()).isEqualTo(1.0);
        assertThat(s.stepsDone()).isEqualTo(s.totalSteps());
        if (!solver.isAdaptive()) {
            assertThat(s.totalSteps()).isEqualTo(32);
            assertThat(s.nfe()).isEqualTo(sampler.maxNfe()).isEqualTo(solver.method().evaluations(32));
        }
        double[] exact = FIELD.exact(GaussianNoise.initialNoise(1, 0, DIM), 1.0);
        assertThat(AnalyticFlows.maxAbsError(s.result(), exact)).isLessThan(solver == Solver.EULER ? 0.3 : 0.02);
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = Solver.class, mode = EnumSource.Mode.EXCLUDE, names = {"BESPOKE", "FLOWMAP"}) // model-specific: BespokeSolverTest, FlowMapSolverTest
    void finishedSampleRefusesFurtherRows(Solver solver) {
        SampleState s = sampler(solver).newSample(DIM, 1, 0, VelocityField.NO_LABEL);
        SampleRunner.runToCompletion(FIELD, DIM, List.of(s));
        assertThatThrownBy(() -> s.writeRows(new float[DIM], new float[1], new int[1], 0))
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void acceptWithoutWriteIsAProtocolError() {
        SampleState s = sampler(Solver.HEUN).newSample(DIM, 1, 0, VelocityField.NO_LABEL);
        assertThatThrownBy(() -> s.acceptRows(new float[DIM], 0)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("writeRows");
    }

    @Test
    void resultIsACopyTheCallerMayKeep() {
        SampleState s = sampler(Solver.EULER).newSample(DIM, 1, 0, VelocityField.NO_LABEL);
        SampleRunner.runToCompletion(FIELD, DIM, List.of(s));
        float[] first = s.result();
        float kept = first[0];
        first[0] = Float.NaN;
        assertThat(s.result()[0]).isEqualTo(kept);
    }

    @Test
    void rowsAreWrittenAndReadAtTheSchedulersOffset() {
        SampleState s = sampler(Solver.EULER).newSample(DIM, 1, 0, 0);
        float[] x = new float[4 * DIM];
        float[] t = new float[4];
        int[] labels = {9, 9, 9, 9};
        s.writeRows(x, t, labels, 2);
        assertThat(labels).containsExactly(9, 9, 0, 9);
        assertThat(x[0]).isZero();
        assertThat(x[2 * DIM]).isNotZero();
        float[] v = new float[4 * DIM];
        java.util.Arrays.fill(v, 2 * DIM, 3 * DIM, 1f);
        s.acceptRows(v, 2);
        assertThat(s.nfe()).isEqualTo(1);
        // One Euler step of 1/32 with velocity 1 moves every element by 1/32 (in float64, then rounded).
        float[] before = java.util.Arrays.copyOfRange(x, 2 * DIM, 3 * DIM);
        s.writeRows(x, t, labels, 0);
        for (int d = 0; d < DIM; d++) assertThat(x[d]).isEqualTo((float) ((double) before[d] + 1.0 / 32), org.assertj.core.api.Assertions.offset(1e-6f));
        assertThat(t[0]).isEqualTo(1f / 32);
    }
}
