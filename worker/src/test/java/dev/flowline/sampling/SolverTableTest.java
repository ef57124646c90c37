package dev.flowline.sampling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Solvers are validated data: tableaus check their own shape, consistency and order; names are a closed set. */
class SolverTableTest {

    @ParameterizedTest(name = "{0}")
    @EnumSource(Solver.class)
    void everySolverParsesFromItsNameInAnyCase(Solver solver) {
        assertThat(Solver.parse(solver.id())).isSameAs(solver);
        assertThat(Solver.parse(" " + solver.id().toUpperCase() + " ")).isSameAs(solver);
    }

    @Test
    void unknownSolverNameListsTheValidOnes() {
        assertThatThrownBy(() -> Solver.parse("rk45"))
                .isInstanceOfSatisfying(InvalidSamplerException.class, e -> assertThat(e.field()).isEqualTo("solver"))
                .hasMessageContaining("rk45")
                .hasMessageContaining("euler, midpoint, heun, ralston3, rk4, dopri5, ab2, ab3");
        assertThatThrownBy(() -> Solver.parse(null)).isInstanceOf(InvalidSamplerException.class);
    }

    @Test
    void costPerStepFollowsTheStageCount() {
        assertThat(Solver.EULER.method().evaluations(10)).isEqualTo(10);
        assertThat(Solver.HEUN.method().evaluations(10)).isEqualTo(20);
        assertThat(Solver.RALSTON3.method().evaluations(10)).isEqualTo(30);
        assertThat(Solver.RK4.method().evaluations(10)).isEqualTo(40);
        assertThat(Solver.AB2.method().evaluations(10)).isEqualTo(10);
        assertThat(Solver.AB3.method().evaluations(10)).isEqualTo(11);
        assertThat(Solver.AB3.method().evaluations(1)).isEqualTo(2);
        assertThatThrownBy(() -> Solver.DOPRI5.method().evaluations(10)).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void dormandPrinceIsAdaptiveAndFirstSameAsLast() {
        assertThat(Solver.DOPRI5.isAdaptive()).isTrue();
        assertThat(ButcherTableau.DOPRI5.isFsal()).isTrue();
        assertThat(ButcherTableau.DOPRI5.embeddedOrder()).isEqualTo(4);
        assertThat(Arrays.stream(Solver.values()).filter(Solver::isAdaptive)).containsExactly(Solver.DOPRI5);
        assertThat(ButcherTableau.HEUN.isFsal()).isFalse();
    }

    @Test
    void aNewSolverIsATableOfNumbers() {
        // Kutta's third-order method: no code, only data, and it runs through the same state machine.
        ButcherTableau kutta3 = ButcherTableau.explicit("kutta3", 3,
                new double[][] {{0, 0, 0}, {0.5, 0, 0}, {-1, 2, 0}}, new double[] {1.0 / 6, 2.0 / 3, 1.0 / 6},
                new double[] {0, 0.5, 1});
        AnalyticFlows.LinearFlow field = new AnalyticFlows.LinearFlow(1.5, -0.5, 1);
        double[] x0 = {1};
        double[] errors = new double[2];
        int[] steps = {32, 64};
        for (int i = 0; i < 2; i++) {
            FixedStepper stepper = new FixedStepper(kutta3, TimeGrids.uniform(steps[i]), x0, (MarginalPreservingSde) null);
            FlowSampleState s = new FlowSampleState(stepper, 1, VelocityField.NO_LABEL, 1, GuidanceInterval.ALWAYS, null);
            SampleRunner.runToCompletion(field, 1, java.util.List.of(s));
            errors[i] = AnalyticFlows.maxAbsError(s.result(), field.exact(x0, 1));
        }
        assertThat(Math.log(errors[0] / errors[1]) / Math.log(2)).isBetween(2.7, 3.3);
    }

    @Test
    void tableauRejectsAMismatchedShape() {
        assertThatThrownBy(() -> ButcherTableau.explicit("bad", 1, new double[][] {{0}}, new double[] {0.5, 0.5},
                new double[] {0, 1})).hasMessageContaining("bad").hasMessageContaining("A must be 2x2");
        assertThatThrownBy(() -> ButcherTableau.explicit("bad", 1, new double[][] {{0, 0}, {1}},
                new double[] {0.5, 0.5}, new double[] {0, 1})).hasMessageContaining("row 1 of A must have 2 entries");
    }

    @Test
    void tableauRejectsStageTimesThatAreNotTheRowSums() {
        assertThatThrownBy(() -> ButcherTableau.explicit("bad", 2, new double[][] {{0, 0}, {1, 0}},
                new double[] {0.5, 0.5}, new double[] {0, 0.5})).hasMessageContaining("c[1] = 0.5 differs from the row sum");
    }

    @Test
    void tableauRejectsAnImplicitEntry() {
        assertThatThrownBy(() -> ButcherTableau.explicit("bad", 1, new double[][] {{0.5, 0}, {0.5, 0.5}},
                new double[] {0.5, 0.5}, new double[] {0.5, 1})).hasMessageContaining("not explicit");
    }

    @Test
    void tableauRejectsAnOrderItDoesNotHave() {
        // Midpoint's weights do not make a third-order method.
        assertThatThrownBy(() -> ButcherTableau.explicit("midpoint3", 3, new double[][] {{0, 0}, {0.5, 0}},
                new double[] {0, 1}, new double[] {0, 0.5})).hasMessageContaining("order-3 condition");
        assertThatThrownBy(() -> ButcherTableau.explicit("inconsistent", 1, new double[][] {{0}},
                new double[] {0.9}, new double[] {0})).hasMessageContaining("order-1 condition");
    }

    @Test
    void multistepRuleNeedsAStartupOfSufficientOrder() {
        assertThatThrownBy(() -> new MultistepRule("ab3-euler", 3, ButcherTableau.EULER))
                .hasMessageContaining("order >= 2");
        assertThat(MultistepRule.AB3.startupSteps()).isEqualTo(1);
        assertThat(MultistepRule.AB2.startupSteps()).isZero();
    }

    @Test
    void variableStepAdamsBashforthWeightsIntegratePolynomialsExactly() {
        // Nodes 0.5, 0.3, 0.0 (most recent first), step 0.5 -> 0.9: weights must integrate 1, τ, τ² exactly.
        double[] nodes = {0.5, 0.3, 0.0};
        double[] w = new double[3];
        MultistepRule.weights(nodes, 3, 0.5, 0.9, w);
        for (int p = 0; p <= 2; p++) {
            double quad = 0;
            for (int j = 0; j < 3; j++) quad += w[j] * Math.pow(nodes[j], p);
            double exact = (Math.pow(0.9, p + 1) - Math.pow(0.5, p + 1)) / (p + 1);
            assertThat(quad).isCloseTo(exact, org.assertj.core.api.Assertions.within(1e-14));
        }
    }
}
