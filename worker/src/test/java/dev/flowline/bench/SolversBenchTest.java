package dev.flowline.bench;

import dev.flowline.model.AnalyticGaussianModel;
import dev.flowline.sampling.Solver;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class SolversBenchTest {

    @Test
    void firstAndSecondOrderSolversShowTheirOrderOnTheAnalyticModel() {
        AnalyticGaussianModel model = AnalyticGaussianModel.builder().optStd(SolversBench.DEFAULT_STD).build();
        SolversReport report = SolversBench.run(model, new SolversBench.Options(4, 256, List.of(1e-2, 1e-6), 3, SolversBench.DEFAULT_STD));
        assertThat(report.solvers()).extracting(SolversBench.SolverResult::solver)
                .containsExactly(Solver.EULER, Solver.MIDPOINT, Solver.HEUN, Solver.RALSTON3, Solver.RK4, Solver.AB2, Solver.AB3);
        for (SolversBench.SolverResult r : report.solvers()) {
            if (r.solver() == Solver.EULER) assertThat(r.fittedOrder()).isCloseTo(1.0, within(0.15));
            if (r.solver() == Solver.HEUN || r.solver() == Solver.AB2) assertThat(r.fittedOrder()).isCloseTo(2.0, within(0.25));
            assertThat(r.fitPoints()).isEqualTo(SolversBench.FIT_POINTS);
        }
        assertThat(report.dopri5()).hasSize(2);
        assertThat(report.dopri5().get(1).meanNfe()).isGreaterThan(report.dopri5().get(0).meanNfe());
        assertThat(report.dopri5().get(1).rmsError()).isLessThan(report.dopri5().get(0).rmsError());
    }

    @Test
    void theOrderIsTheNegativeLogLogSlope() {
        List<SolversBench.ErrorPoint> points = List.of(new SolversBench.ErrorPoint(1, 4, 1e-2, 0),
                new SolversBench.ErrorPoint(2, 8, 1e-2 / 16, 0), new SolversBench.ErrorPoint(4, 16, 1e-2 / 256, 0));
        assertThat(SolversBench.fittedOrder(points)).isCloseTo(4.0, within(1e-9));
    }
}
