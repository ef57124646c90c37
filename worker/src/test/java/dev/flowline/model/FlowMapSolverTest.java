package dev.flowline.model;

import dev.flowline.sampling.GaussianNoise;
import dev.flowline.sampling.SampleRunner;
import dev.flowline.sampling.SampleState;
import dev.flowline.sampling.Sampler;
import dev.flowline.sampling.SamplerConfig;
import dev.flowline.sampling.VelocityField;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The {@code flowmap} solver on the analytic Gaussian model extended with its exact average velocity
 * u(x, t, r) = (x_r − x_t)/(r − t): exact (to float rounding) at any step count and grid, where Euler on the same
 * model's instantaneous velocity is not.
 */
class FlowMapSolverTest {
    private final AnalyticGaussianModel map = AnalyticGaussianModel.builder().optSampleShape(2, 3).optNumClasses(3)
            .optStd(0.3f).optFlowMap(true).build();

    private float[] sample(SamplerConfig config, int index, int label) {
        SampleState s = Sampler.of(config).newSample(map.dim(), 7, index, label);
        SampleRunner.runToCompletion(map, map.dim(), List.of(s));
        assertThat(s.nfe()).isEqualTo(Sampler.of(config).maxNfe());
        return s.result();
    }

    private double error(float[] got, int index, int label) {
        float[] exact = map.transport(toFloat(GaussianNoise.initialNoise(7, index, map.dim())), label, 1.0);
        double e = 0;
        for (int d = 0; d < got.length; d++) e = Math.max(e, Math.abs(got[d] - exact[d]));
        return e;
    }

    private static float[] toFloat(double[] x) {
        float[] f = new float[x.length];
        for (int i = 0; i < x.length; i++) f[i] = (float) x[i];
        return f;
    }

    @Test
    void flowMapIsExactAtAnyStepCount() {
        for (int steps : new int[] {1, 2, 4, 7}) {
            SamplerConfig c = SamplerConfig.builder().optSolver("flowmap").optSteps(steps).build();
            for (int i = 0; i < 5; i++) assertThat(error(sample(c, i, i % 3), i, i % 3)).isLessThan(2e-6);
        }
        SamplerConfig shifted = SamplerConfig.builder().optSolver("flowmap").optSteps(3).optSchedule("shifted", null).build();
        assertThat(error(sample(shifted, 0, 1), 0, 1)).isLessThan(2e-6);
    }

    @Test
    void eulerOnTheInstantaneousVelocityIsNot() {
        SamplerConfig euler = SamplerConfig.builder().optSolver("euler").optSteps(2).build();
        assertThat(error(sample(euler, 0, 1), 0, 1)).isGreaterThan(1e-2);
    }

    @Test
    void theTargetTimeIsTheNextGridPointForFlowMapsAndTheEvaluationTimeOtherwise() {
        List<Float> targets = new ArrayList<>();
        VelocityField recorder = new VelocityField() {
            @Override
            public void velocity(int rows, float[] x, float[] t, int[] labels, float[] out) {
                throw new AssertionError("the runner passes target times");
            }

            @Override
            public void velocity(int rows, float[] x, float[] t, float[] r, int[] labels, float[] out) {
                for (int i = 0; i < rows; i++) targets.add(r[i] - t[i]);
                java.util.Arrays.fill(out, 0, rows * 2, 0f);
            }
        };
        SampleRunner.runToCompletion(recorder, 2, List.of(Sampler.of(SamplerConfig.builder().optSolver("flowmap").optSteps(4).build())
                .newSample(2, 1, 0, VelocityField.NO_LABEL)));
        assertThat(targets).containsOnly(0.25f);
        targets.clear();
        SampleRunner.runToCompletion(recorder, 2, List.of(Sampler.of(SamplerConfig.builder().optSolver("heun").optSteps(4).build())
                .newSample(2, 1, 0, VelocityField.NO_LABEL)));
        assertThat(targets).hasSize(8).containsOnly(0f);
    }
}
