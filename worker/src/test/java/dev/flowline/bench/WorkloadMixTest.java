package dev.flowline.bench;

import dev.flowline.sampling.Solver;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class WorkloadMixTest {

    @Test
    void theDefaultMixCostsItsWeightedRows() {
        // 0.3 · 4 (Euler, 4 steps) + 0.5 · 8 · 2 · 2 (Heun, 8 steps, guided) + 0.2 · 32 · 4 (RK4, 32 steps).
        assertThat(WorkloadMix.DEFAULT.meanRowsPerJob(true)).isCloseTo(42.8, within(1e-9));
        // Without a null class the guided kind runs unguided: 0.5 · 8 · 2 instead.
        assertThat(WorkloadMix.DEFAULT.meanRowsPerJob(false)).isCloseTo(1.2 + 8 + 25.6, within(1e-9));
    }

    @Test
    void pickFollowsTheCumulativeWeights() {
        WorkloadMix mix = WorkloadMix.DEFAULT;
        assertThat(mix.pick(0.0)).isZero();
        assertThat(mix.pick(0.29)).isZero();
        assertThat(mix.pick(0.31)).isEqualTo(1);
        assertThat(mix.pick(0.79)).isEqualTo(1);
        assertThat(mix.pick(0.81)).isEqualTo(2);
        assertThat(mix.pick(0.9999)).isEqualTo(2);
    }

    @Test
    void entriesBuildValidSamplers() {
        for (WorkloadMix.Entry e : WorkloadMix.DEFAULT.entries()) {
            assertThat(e.samplerConfig(true).solver()).isEqualTo(e.solver());
            assertThat(e.samplerConfig(false).guidanceScale()).isEqualTo(1.0);
        }
    }

    @Test
    void adaptiveSolversAreRefusedBecauseTheirCostIsUnknown() {
        assertThatThrownBy(() -> new WorkloadMix(List.of(new WorkloadMix.Entry("x", 1, Solver.DOPRI5, 4, 1, 1))))
                .hasMessageContaining("fixed-step");
    }
}
