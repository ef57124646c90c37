package dev.flowline.batching;

import dev.flowline.sampling.SampleState;

import java.util.List;
import java.util.Objects;
import java.util.function.IntFunction;
import java.util.function.IntUnaryOperator;

/**
 * A job's choice of samplers (load-adaptive cost): the scheduler picks, at admission, the most expensive candidate
 * that it expects to finish within the job's deadline or the configured latency target at the current load (else the
 * cheapest), and builds the job's samples for it. Candidates are ordered cheapest first. A step range
 * (sampler.minSteps/maxSteps) is the candidates min..max steps of one sampler; a quality tier (sampler.tier) is the
 * list of samplers the model's manifest maps the tier to. Sampling is deterministic given the candidate, so a replay
 * that asks for the recorded sampler gets the same bytes.
 *
 * @param size       number of candidates, ≥ 1
 * @param candidate  candidate i, for 0 ≤ i < size (0 the cheapest, size − 1 what runs when nothing presses); may be
 *                   computed on demand
 * @param samplesFor the job's samples for candidate i (fresh states, at t = 0)
 */
public record StepChoice(int size, IntFunction<Candidate> candidate, IntFunction<List<SampleState>> samplesFor) {
    public StepChoice {
        if (size < 1) throw new IllegalArgumentException("a choice needs at least one candidate, got " + size);
        Objects.requireNonNull(candidate, "candidate");
        Objects.requireNonNull(samplesFor, "samplesFor");
    }

    /**
     * A step range [min, max] of one sampler: candidate i runs min + i steps.
     *
     * @param evaluationsFor network evaluations one sample needs at a step count
     * @param samplesFor     the job's samples at a step count (fresh states, at t = 0)
     */
    public StepChoice(int min, int max, IntUnaryOperator evaluationsFor, IntFunction<List<SampleState>> samplesFor) {
        this(rangeSize(min, max), i -> new Candidate(null, min + i, null, evaluationsFor.applyAsInt(min + i)),
                i -> samplesFor.apply(min + i));
    }

    /**
     * A step range [min, max] whose candidates name their sampler (what the result reports for each count).
     *
     * @param candidateAt the candidate at a step count
     * @param samplesFor  the job's samples at a step count (fresh states, at t = 0)
     */
    public static StepChoice range(int min, int max, IntFunction<Candidate> candidateAt, IntFunction<List<SampleState>> samplesFor) {
        return new StepChoice(rangeSize(min, max), i -> candidateAt.apply(min + i), i -> samplesFor.apply(min + i));
    }

    /**
     * A list of samplers, e.g. a quality tier's. Each must cost more evaluations than the one before it: the choice is
     * of cost, and two candidates of equal cost would leave it nothing to decide between.
     *
     * @param samplesFor the job's samples for candidate i (fresh states, at t = 0)
     */
    public static StepChoice of(List<Candidate> candidates, IntFunction<List<SampleState>> samplesFor) {
        List<Candidate> list = List.copyOf(candidates);
        for (int i = 1; i < list.size(); i++) {
            if (list.get(i).evaluations() <= list.get(i - 1).evaluations()) {
                throw new IllegalArgumentException("candidates must be ordered by increasing evaluations; " + list.get(i)
                        + " does not cost more than " + list.get(i - 1));
            }
        }
        return new StepChoice(list.size(), list::get, samplesFor);
    }

    /** The most expensive candidate: what runs when nothing presses. */
    public Candidate largest() {
        return candidate.apply(size - 1);
    }

    private static int rangeSize(int min, int max) {
        if (min < 1 || max < min) throw new IllegalArgumentException("step range must have 1 <= min <= max, got [" + min + ", " + max + "]");
        return max - min + 1;
    }

    /**
     * One sampler the scheduler may pick, as the job's result reports it.
     *
     * @param solver      the solver id as the result's samplerUsed names it (e.g. heun, bespoke); null: the job's own
     * @param steps       grid steps, ≥ 1
     * @param schedule    the learned solver's or named grid's name; null for a uniform grid (or the job's own)
     * @param evaluations network evaluations one sample needs, ≥ 1
     */
    public record Candidate(String solver, int steps, String schedule, int evaluations) {
        public Candidate {
            if (steps < 1) throw new IllegalArgumentException("a candidate needs at least one step, got " + steps);
            if (evaluations < 1) throw new IllegalArgumentException("a candidate needs at least one evaluation, got " + evaluations);
        }
    }
}
