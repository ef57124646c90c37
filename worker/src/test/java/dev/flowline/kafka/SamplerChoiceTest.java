package dev.flowline.kafka;

import dev.flowline.sampling.BespokeSolver;
import dev.flowline.sampling.ButcherTableau;
import dev.flowline.sampling.NamedSchedules;
import dev.flowline.sampling.Sampler;
import dev.flowline.sampling.SamplerConfig;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class SamplerChoiceTest {
    private static final NamedSchedules CATALOGUE = NamedSchedules.of(Map.of("grid-3", new double[]{0, 0.2, 0.6, 1}))
            .withBespoke(List.of(BespokeSolver.identity("bespoke-midpoint-2", ButcherTableau.MIDPOINT, 2),
                    BespokeSolver.identity("bespoke-midpoint-4", ButcherTableau.MIDPOINT, 4)));

    @Test
    void aBespokeJobReportsTheLearnedSolverItRanAndThatChoiceReplaysTheSameSampler() {
        Sampler chosen = Sampler.of(SamplerConfig.builder().optSolver("bespoke").optNfeBudget(5).build(), CATALOGUE);
        SamplerChoice used = SamplerChoice.of(chosen);
        assertThat(used).isEqualTo(new SamplerChoice("bespoke", 2, "bespoke-midpoint-2"));

        Sampler replay = Sampler.of(SamplerConfig.builder().optSolver(used.solver()).optSteps(used.steps())
                .optSchedule(used.schedule(), null).build(), CATALOGUE);
        assertThat(replay.solverName()).isEqualTo(chosen.solverName());
        assertThat(replay.grid()).containsExactly(chosen.grid());
    }

    @Test
    void aNamedGridIsReportedByNameAndAUniformOneAsNull() {
        assertThat(SamplerChoice.of(Sampler.of(SamplerConfig.builder().optSolver("heun").optSchedule("grid-3", null).build(), CATALOGUE)))
                .isEqualTo(new SamplerChoice("heun", 3, "grid-3"));
        assertThat(SamplerChoice.of(Sampler.of(SamplerConfig.builder().optSolver("euler").optSteps(7).build(), CATALOGUE)))
                .isEqualTo(new SamplerChoice("euler", 7, null));
    }
}
