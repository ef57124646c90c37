package dev.flowline.sampling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every invalid configuration fails with an InvalidSamplerException whose field and message name the culprit. */
class SamplerConfigValidationTest {

    private static Arguments invalid(String scenario, String field, String message, UnaryOperator<SamplerConfigBuilder> b) {
        return Arguments.of(scenario, field, message, b);
    }

    static Stream<Arguments> invalidConfigurations() {
        return Stream.of(
                invalid("unknown solver", "solver", "valid solvers: euler", b -> b.optSolver("leapfrog")),
                invalid("zero steps", "steps", "must be in [1, 1000]", b -> b.optSteps(0)),
                invalid("steps above the cap", "steps", "must be in [1, 1000]", b -> b.optSteps(1001)),
                invalid("steps above a configured cap", "steps", "must be in [1, 50]",
                        b -> b.optSteps(51).optLimits(new SamplerLimits(50, 1000))),
                invalid("cost above the evaluation cap", "steps", "more than the limit 100",
                        b -> b.optSolver("rk4").optSteps(26).optLimits(new SamplerLimits(1000, 100))),
                invalid("steps and budget together", "nfeBudget", "not both", b -> b.optSteps(4).optNfeBudget(8)),
                invalid("budget below one step", "nfeBudget", "at least 4", b -> b.optSolver("rk4").optNfeBudget(3)),
                invalid("budget above the cap", "nfeBudget", "must be in", b -> b.optNfeBudget(1_000_000)),
                invalid("non-monotonic times", "times", "strictly increasing", b -> b.optTimes(new double[] {0, 0.6, 0.3, 1})),
                invalid("times beyond 1", "times", "exactly 1", b -> b.optTimes(new double[] {0, 0.5, 1.2})),
                invalid("NaN time", "times", "not finite", b -> b.optTimes(new double[] {0, Double.NaN, 1})),
                invalid("times with a schedule", "times", "not both",
                        b -> b.optTimes(new double[] {0, 1}).optSchedule("shifted", null)),
                invalid("times disagreeing with steps", "steps", "disagrees", b -> b.optTimes(new double[] {0, 0.5, 1}).optSteps(3)),
                invalid("times beyond the budget", "nfeBudget", "more than the budget",
                        b -> b.optSolver("heun").optTimes(new double[] {0, 0.5, 1}).optNfeBudget(3)),
                invalid("negative guidance", "guidanceScale", ">= 0", b -> b.optGuidanceScale(-0.5)),
                invalid("NaN guidance", "guidanceScale", "NaN", b -> b.optGuidanceScale(Double.NaN)),
                invalid("infinite guidance", "guidanceScale", "Infinity", b -> b.optGuidanceScale(Double.POSITIVE_INFINITY)),
                invalid("reversed guidance interval", "guidanceInterval", "reversed", b -> b.optGuidanceInterval(0.8, 0.2)),
                invalid("guidance interval outside [0, 1]", "guidanceInterval", "[0, 1]", b -> b.optGuidanceInterval(-0.1, 0.5)),
                invalid("NaN guidance interval", "guidanceInterval", "[0, 1]", b -> b.optGuidanceInterval(0, Double.NaN)),
                invalid("negative stochasticity", "stochasticity", ">= 0", b -> b.optStochasticity(-1)),
                invalid("NaN stochasticity", "stochasticity", "NaN", b -> b.optStochasticity(Double.NaN)),
                invalid("stochasticity with an adaptive solver", "stochasticity", "not dopri5",
                        b -> b.optSolver("dopri5").optStochasticity(1)),
                invalid("stochasticity with a multistep solver", "stochasticity", "not ab2",
                        b -> b.optSolver("ab2").optStochasticity(1)),
                invalid("NaN shift", "scheduleParams.shift", "NaN", b -> b.optSchedule("shifted", Map.of("shift", Double.NaN))),
                invalid("unknown schedule parameter", "scheduleParams.sigma", "takes only 'shift'",
                        b -> b.optSchedule("shifted", Map.of("sigma", 1.0))),
                invalid("parameter of the uniform schedule", "scheduleParams.shift", "no parameters",
                        b -> b.optSchedule("uniform", Map.of("shift", 2.0))),
                invalid("NaN tolerance", "solverParams.rtol", "NaN",
                        b -> b.optSolver("dopri5").optSolverParams(Map.of("rtol", Double.NaN))),
                invalid("unknown solver parameter", "solverParams.order", "valid: rtol, atol",
                        b -> b.optSolver("dopri5").optSolverParams(Map.of("order", 5.0))),
                invalid("fractional NFE cap", "solverParams.maxNfe", "whole number",
                        b -> b.optSolver("dopri5").optSolverParams(Map.of("maxNfe", 2.5))),
                invalid("NFE cap above the limit", "solverParams.maxNfe", "must be <= 4000",
                        b -> b.optSolver("dopri5").optSolverParams(Map.of("maxNfe", 5000.0))),
                invalid("reversed step bounds", "solverParams.minStep", "maxStep",
                        b -> b.optSolver("dopri5").optSolverParams(Map.of("minStep", 0.5, "maxStep", 0.1))),
                invalid("solver parameter of a fixed-step solver", "solverParams.rtol", "takes no parameters",
                        b -> b.optSolver("heun").optSolverParams(Map.of("rtol", 1e-3))),
                invalid("steps for an adaptive solver", "steps", "chooses its own steps", b -> b.optSolver("dopri5").optSteps(10)),
                invalid("schedule for an adaptive solver", "schedule", "chooses its own steps",
                        b -> b.optSolver("dopri5").optSchedule("shifted", null)),
                invalid("times for an adaptive solver", "times", "chooses its own steps",
                        b -> b.optSolver("dopri5").optTimes(new double[] {0, 1})));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidConfigurations")
    void invalidConfigurationNamesItsField(String scenario, String field, String message, UnaryOperator<SamplerConfigBuilder> b) {
        assertThatThrownBy(() -> b.apply(SamplerConfig.builder()).build())
                .isInstanceOfSatisfying(InvalidSamplerException.class, e -> assertThat(e.field()).isEqualTo(field))
                .hasMessageStartingWith(field + ": ")
                .hasMessageContaining(message);
    }

    @Test
    void negativeLabelOtherThanNoLabelIsRejectedWhenTheSampleIsMade() {
        Sampler sampler = Sampler.of(SamplerConfig.builder().build());
        assertThatThrownBy(() -> sampler.newSample(4, 0, 0, -2))
                .isInstanceOfSatisfying(InvalidSamplerException.class, e -> assertThat(e.field()).isEqualTo("classLabel"));
    }

    @Test
    void defaultsAreHeunOn32UniformStepsWithoutGuidanceOrNoise() {
        SamplerConfig config = SamplerConfig.builder().build();
        assertThat(config.solver()).isEqualTo(Solver.HEUN);
        assertThat(config.schedule()).isEqualTo(new Schedule.Uniform());
        assertThat(config.steps()).hasValue(32);
        assertThat(config.guidanceScale()).isEqualTo(1.0);
        assertThat(config.stochasticity()).isZero();
        assertThat(Sampler.of(config).maxNfe()).isEqualTo(64);
    }

    @Test
    void nfeBudgetPicksTheMostStepsThatFit() {
        assertThat(stepsForBudget("euler", 10)).isEqualTo(10);
        assertThat(stepsForBudget("heun", 9)).isEqualTo(4);
        assertThat(stepsForBudget("ralston3", 10)).isEqualTo(3);
        assertThat(stepsForBudget("rk4", 10)).isEqualTo(2);
        assertThat(stepsForBudget("ab2", 10)).isEqualTo(10);
        assertThat(stepsForBudget("ab3", 10)).isEqualTo(9);
    }

    private static int stepsForBudget(String solver, int budget) {
        Sampler sampler = Sampler.of(SamplerConfig.builder().optSolver(solver).optNfeBudget(budget).build());
        assertThat(sampler.maxNfe()).isLessThanOrEqualTo(budget);
        return sampler.steps();
    }

    @Test
    void explicitTimesFixTheStepsAndMayCarryAMatchingStepCountOrBudget() {
        double[] times = {0, 0.2, 0.5, 1};
        Sampler sampler = Sampler.of(SamplerConfig.builder().optTimes(times).optSteps(3).build());
        assertThat(sampler.grid()).containsExactly(times);
        assertThat(Sampler.of(SamplerConfig.builder().optSolver("heun").optTimes(times).optNfeBudget(6).build()).maxNfe())
                .isEqualTo(6);
    }
}
