package dev.flowline.sampling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TimeGridsTest {

    @Test
    void uniformGridRunsFromExactlyZeroToExactlyOne() {
        assertThat(TimeGrids.uniform(4)).containsExactly(0, 0.25, 0.5, 0.75, 1);
        assertThat(TimeGrids.uniform(3)[3]).isEqualTo(1.0);
    }

    @Test
    void shiftAboveOneSpendsMoreStepsNearNoise() {
        double[] uniform = TimeGrids.uniform(10);
        double[] shifted = TimeGrids.shifted(10, 3.0);
        assertThat(shifted[0]).isEqualTo(0.0);
        assertThat(shifted[10]).isEqualTo(1.0);
        for (int i = 1; i < 10; i++) assertThat(shifted[i]).isLessThan(uniform[i]).isGreaterThan(shifted[i - 1]);
        // σ' = sσ / (1 + (s-1)σ) at σ = 0.5, s = 3: 0.75, so t = 0.25.
        assertThat(shifted[5]).isCloseTo(0.25, within(1e-15));
        assertThat(shifted[1] - shifted[0]).isLessThan(shifted[10] - shifted[9]);
    }

    @Test
    void shiftBelowOneSpendsMoreStepsNearDataAndShiftOneIsUniform() {
        double[] shifted = TimeGrids.shifted(10, 0.5);
        for (int i = 1; i < 10; i++) assertThat(shifted[i]).isGreaterThan(i / 10.0);
        double[] one = TimeGrids.shifted(10, 1.0);
        for (int i = 0; i <= 10; i++) assertThat(one[i]).isCloseTo(i / 10.0, within(1e-15));
    }

    @ParameterizedTest(name = "shift {0}")
    @ValueSource(doubles = {0.0, -1.0, Double.NaN, Double.POSITIVE_INFINITY})
    void invalidShiftNamesItsParameter(double shift) {
        assertThatThrownBy(() -> TimeGrids.shifted(10, shift))
                .isInstanceOfSatisfying(InvalidSamplerException.class,
                        e -> assertThat(e.field()).isEqualTo("scheduleParams.shift"));
    }

    @Test
    void explicitGridIsValidatedStrictly() {
        assertThat(TimeGrids.validated(new double[] {0, 0.1, 1}, "times")).containsExactly(0, 0.1, 1);
        assertInvalid(new double[] {0, 0.5, 0.5, 1}, "strictly increasing");
        assertInvalid(new double[] {0, 0.6, 0.4, 1}, "strictly increasing");
        assertInvalid(new double[] {0.1, 0.5, 1}, "from exactly 0");
        assertInvalid(new double[] {0, 0.5, 0.99}, "from exactly 0");
        assertInvalid(new double[] {0, 0.5, 1.5}, "");
        assertInvalid(new double[] {0, Double.NaN, 1}, "not finite");
        assertInvalid(new double[] {0}, "at least 2 points");
        assertInvalid(null, "at least 2 points");
    }

    private static void assertInvalid(double[] times, String message) {
        assertThatThrownBy(() -> TimeGrids.validated(times, "times"))
                .isInstanceOfSatisfying(InvalidSamplerException.class, e -> assertThat(e.field()).isEqualTo("times"))
                .hasMessageContaining(message);
    }

    @Test
    void namedScheduleIsLookedUpThroughTheCallersCatalogue() {
        NamedSchedules registry = NamedSchedules.of(Map.of("boss-4", new double[] {0, 0.1, 0.3, 0.7, 1}));
        SamplerConfig config = SamplerConfig.builder().optSolver("euler").optSchedule("boss-4", Map.of()).build();
        Sampler sampler = Sampler.of(config, registry);
        assertThat(sampler.grid()).containsExactly(0, 0.1, 0.3, 0.7, 1);
        assertThat(sampler.steps()).isEqualTo(4);
    }

    @Test
    void namedScheduleWorksWithAPlainFunction() {
        NamedSchedules lookup = name -> name.equals("fast") ? Optional.of(new double[] {0, 0.5, 1}) : Optional.empty();
        SamplerConfig config = SamplerConfig.builder().optSolver("heun").optSchedule("fast", null).build();
        assertThat(Sampler.of(config, lookup).maxNfe()).isEqualTo(4);
    }

    @Test
    void unknownNamedScheduleListsTheValidNames() {
        NamedSchedules registry = NamedSchedules.of(Map.of("boss-4", new double[] {0, 0.5, 1}));
        SamplerConfig config = SamplerConfig.builder().optSchedule("boss-9", Map.of()).build();
        assertThatThrownBy(() -> Sampler.of(config, registry))
                .isInstanceOfSatisfying(InvalidSamplerException.class, e -> assertThat(e.field()).isEqualTo("schedule"))
                .hasMessageContaining("boss-9").hasMessageContaining("uniform, shifted, boss-4");
    }

    @Test
    void namedGridFromTheRegistryIsValidatedAndCheckedAgainstStepsAndBudget() {
        NamedSchedules registry = NamedSchedules.of(Map.of(
                "broken", new double[] {0, 0.7, 0.3, 1}, "four", new double[] {0, 0.1, 0.3, 0.7, 1}));
        assertThatThrownBy(() -> Sampler.of(SamplerConfig.builder().optSchedule("broken", null).build(), registry))
                .hasMessageStartingWith("schedule: ").hasMessageContaining("strictly increasing");
        assertThatThrownBy(() -> Sampler.of(SamplerConfig.builder().optSchedule("four", null).optSteps(8).build(), registry))
                .isInstanceOfSatisfying(InvalidSamplerException.class, e -> assertThat(e.field()).isEqualTo("steps"));
        assertThatThrownBy(() -> Sampler.of(SamplerConfig.builder().optSolver("rk4").optSchedule("four", null)
                .optNfeBudget(10).build(), registry))
                .isInstanceOfSatisfying(InvalidSamplerException.class, e -> assertThat(e.field()).isEqualTo("nfeBudget"));
        assertThatThrownBy(() -> Sampler.of(SamplerConfig.builder().optSchedule("four", null)
                .optLimits(new SamplerLimits(3, 100)).build(), registry))
                .isInstanceOfSatisfying(InvalidSamplerException.class, e -> assertThat(e.field()).isEqualTo("schedule"));
    }
}
