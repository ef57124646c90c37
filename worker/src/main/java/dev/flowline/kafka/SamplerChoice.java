package dev.flowline.kafka;

import dev.flowline.avro.SamplerUsed;
import dev.flowline.batching.StepChoice;
import dev.flowline.sampling.Sampler;
import dev.flowline.sampling.Schedule;

/**
 * The sampler a job actually ran, as the result's samplerUsed reports it: what a replay asks for to get the same
 * bytes (the step count the worker chose for a range, the sampler it chose for a quality tier, the learned solver it
 * chose for "bespoke").
 *
 * @param solver   the solver id (e.g. heun, bespoke)
 * @param steps    grid steps; 0 for an adaptive solver, which makes its own
 * @param schedule the learned solver's or named grid's name; null otherwise
 */
public record SamplerChoice(String solver, int steps, String schedule) {

    public static SamplerChoice of(Sampler s) {
        String solver = s.config().solver().id();
        String schedule = !s.solverName().equals(solver) ? s.solverName()  // a learned solver names itself
                : s.config().schedule() instanceof Schedule.Named n ? n.name() : null;
        return new SamplerChoice(solver, s.steps(), schedule);
    }

    /** The same sampler at {@code chosenSteps} when the scheduler chose a count from a step range (0: as resolved). */
    SamplerChoice withChosenSteps(int chosenSteps) {
        return chosenSteps > 0 ? new SamplerChoice(solver, chosenSteps, schedule) : this;
    }

    /**
     * What ran when the scheduler chose {@code chosen} from the job's step range or tier: the candidate's own sampler
     * when it names one, else this sampler at the candidate's step count; this sampler when nothing was chosen (null).
     */
    SamplerChoice chosen(StepChoice.Candidate chosen) {
        if (chosen == null) return this;
        return chosen.solver() != null ? new SamplerChoice(chosen.solver(), chosen.steps(), chosen.schedule())
                : withChosenSteps(chosen.steps());
    }

    /** For messages: the learned solver or named grid, or the solver and its steps. */
    String describe() {
        return schedule != null ? schedule + (solver.equals("bespoke") ? "" : " (" + solver + ")") : solver + " " + steps + " steps";
    }

    SamplerUsed toAvro() {
        return SamplerUsed.newBuilder().setSolver(solver).setSteps(steps).setSchedule(schedule).build();
    }
}
