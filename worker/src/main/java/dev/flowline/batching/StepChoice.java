package dev.flowline.batching;

import dev.flowline.sampling.SampleState;

import java.util.List;
import java.util.function.IntFunction;
import java.util.function.IntUnaryOperator;

/**
 * A job's step range (load-adaptive step counts): the scheduler picks, at admission, the largest count in
 * [min, max] that it expects to finish within the job's deadline or the configured latency target at the current
 * load, and builds the job's samples for that count. Sampling is deterministic given the count, so a replay that
 * asks for the recorded count gets the same bytes.
 *
 * @param min            fewest steps the job accepts, ≥ 1
 * @param max            most steps, ≥ min; what the job runs when nothing presses
 * @param evaluationsFor network evaluations one sample needs at a step count
 * @param samplesFor     the job's samples at a step count (fresh states, at t = 0)
 */
public record StepChoice(int min, int max, IntUnaryOperator evaluationsFor, IntFunction<List<SampleState>> samplesFor) {
    public StepChoice {
        if (min < 1 || max < min) throw new IllegalArgumentException("step range must have 1 <= min <= max, got [" + min + ", " + max + "]");
        java.util.Objects.requireNonNull(evaluationsFor, "evaluationsFor");
        java.util.Objects.requireNonNull(samplesFor, "samplesFor");
    }
}
