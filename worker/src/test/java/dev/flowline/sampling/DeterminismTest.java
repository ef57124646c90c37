package dev.flowline.sampling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Samples are functions of (configuration, seed, sample index, label) alone: not of runs, batches or order. */
class DeterminismTest {

    private static final int DIM = 6;
    private static final AnalyticFlows.Gaussian FIELD = new AnalyticFlows.Gaussian(
            new double[][] {{0, 0, 0, 0, 0, 0}, {1, 2, 3, -1, -2, -3}, {-1, 0.5, 0, 2, 1, 0}}, new double[] {0.3, 0.2, 0.4});

    @Test
    void initialNoiseIsPinnedBitForBit() {
        // Golden values of the documented generator; a change here breaks the replay guarantee for stored jobs.
        assertThat(GaussianNoise.initialNoise(42, 0, 4))
                .containsExactly(-0.24090228837039435, -1.192063391685285, 0.25270059961224206, 1.527474410460708);
    }

    @Test
    void noiseValueDependsOnlyOnItsPositionNotOnHowManyAreDrawn() {
        double[] shortDraw = GaussianNoise.initialNoise(9, 3, 5);
        double[] longDraw = GaussianNoise.initialNoise(9, 3, 1000);
        assertThat(Arrays.copyOf(longDraw, 5)).containsExactly(shortDraw);
    }

    @Test
    void noiseIsStandardNormal() {
        double[] z = GaussianNoise.initialNoise(1, 0, 200_000);
        double mean = Arrays.stream(z).average().orElseThrow();
        double var = Arrays.stream(z).map(v -> (v - mean) * (v - mean)).sum() / (z.length - 1);
        double fourth = Arrays.stream(z).map(v -> Math.pow(v - mean, 4)).average().orElseThrow();
        assertThat(mean).isCloseTo(0, within(5 / Math.sqrt(z.length)));
        assertThat(var).isCloseTo(1, within(5 * Math.sqrt(2.0 / z.length)));
        assertThat(fourth).isCloseTo(3, within(0.1));
    }

    @Test
    void differentSampleIndicesSeedsAndStreamsGiveDifferentNoise() {
        double[] a = GaussianNoise.initialNoise(5, 0, 16);
        assertThat(GaussianNoise.initialNoise(5, 1, 16)).isNotEqualTo(a);
        assertThat(GaussianNoise.initialNoise(6, 0, 16)).isNotEqualTo(a);
        assertThat(GaussianNoise.streamKey(5, 0, 1)).isNotEqualTo(GaussianNoise.streamKey(5, 0, 0));
        assertThat(GaussianNoise.streamKey(5, 1, 0)).isNotEqualTo(GaussianNoise.streamKey(5, 0, 1));
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = Solver.class, mode = EnumSource.Mode.EXCLUDE, names = "BESPOKE") // needs a model's learned solver: BespokeSolverTest
    void sameSeedGivesBitIdenticalSamples(Solver solver) {
        SamplerConfig config = SamplerConfig.builder().optSolver(solver).optGuidanceScale(2).build();
        float[] first = runAlone(Sampler.of(config).newSample(DIM, 77, 4, 1));
        float[] second = runAlone(Sampler.of(config).newSample(DIM, 77, 4, 1));
        float[] otherIndex = runAlone(Sampler.of(config).newSample(DIM, 77, 5, 1));
        assertThat(second).containsExactly(first);
        assertThat(otherIndex).isNotEqualTo(first);
    }

    @Test
    void batchingSamplesOfDifferentSamplersTogetherGivesTheResultsOfRunningEachAlone() {
        List<Sampler> samplers = List.of(
                Sampler.of(SamplerConfig.builder().optSolver("euler").optSteps(7).build()),
                Sampler.of(SamplerConfig.builder().optSolver("heun").optSteps(5).optGuidanceScale(3).build()),
                Sampler.of(SamplerConfig.builder().optSolver("rk4").optSchedule("shifted", null).optSteps(4)
                        .optGuidanceScale(1.5).optGuidanceInterval(0.2, 0.7).build()),
                Sampler.of(SamplerConfig.builder().optSolver("dopri5").build()),
                Sampler.of(SamplerConfig.builder().optSolver("ab3").optTimes(new double[] {0, 0.1, 0.3, 0.6, 0.8, 1}).build()),
                Sampler.of(SamplerConfig.builder().optSolver("midpoint").optSteps(9).optStochasticity(1.0).build()));
        List<SampleState> batched = new ArrayList<>();
        List<SampleState> alone = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            Sampler sampler = samplers.get(i % samplers.size());
            int label = i % 3 - 1;
            batched.add(sampler.newSample(DIM, 2024, i, label));
            alone.add(sampler.newSample(DIM, 2024, i, label));
        }
        SampleRunner.runToCompletion(FIELD, DIM, batched);
        for (int i = 0; i < batched.size(); i++) {
            assertThat(batched.get(i).result()).as("sample %d", i).containsExactly(runAlone(alone.get(i)));
            assertThat(batched.get(i).nfe()).isEqualTo(alone.get(i).nfe());
        }
    }

    @Test
    void splittingABatchAcrossCallsDoesNotChangeResults() {
        Sampler sampler = Sampler.of(SamplerConfig.builder().optSolver("heun").optSteps(6).optGuidanceScale(2).build());
        List<SampleState> wide = new ArrayList<>();
        List<SampleState> narrow = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            wide.add(sampler.newSample(DIM, 1, i, 1));
            narrow.add(sampler.newSample(DIM, 1, i, 1));
        }
        SampleRunner.RunStats wideStats = SampleRunner.runToCompletion(FIELD, DIM, wide);
        SampleRunner.RunStats narrowStats = SampleRunner.runToCompletion(FIELD, DIM, narrow, 3);
        assertThat(narrowStats.modelCalls()).isGreaterThan(wideStats.modelCalls());
        assertThat(narrowStats.rows()).isEqualTo(wideStats.rows());
        for (int i = 0; i < 5; i++) assertThat(narrow.get(i).result()).containsExactly(wide.get(i).result());
    }

    private static float[] runAlone(SampleState s) {
        SampleRunner.runToCompletion(FIELD, DIM, List.of(s));
        return s.result();
    }
}
