package dev.flowline.kafka;

import dev.flowline.avro.SamplerSpec;
import dev.flowline.model.ModelInfo;

/**
 * A request's step range (sampler.minSteps/maxSteps), checked at intake.
 *
 * <p>The scheduler picks the count at admission (see {@code batching.StepChoice}): the largest that meets the job's
 * deadline or {@code batching.latencyTargetMs} at the current load. A quality tier (sampler.tier), the same choice
 * among the samplers a manifest maps, is {@link QualityTier}'s.
 */
record StepRange(int min, int max) {

    /** The range the spec asks for, or null when it gives none; throws naming the field at fault. */
    static StepRange of(SamplerSpec spec, ModelInfo info, int maxStepsLimit) throws InvalidJobException {
        Integer min = spec.getMinSteps();
        Integer max = spec.getMaxSteps();
        if (min == null && max == null) return null;
        if (min == null) throw InvalidJobException.field("sampler.minSteps", "must be given with sampler.maxSteps");
        if (max == null) throw InvalidJobException.field("sampler.maxSteps", "must be given with sampler.minSteps");
        if (spec.getSteps() != null || spec.getNfeBudget() != null || spec.getTimes() != null) {
            throw InvalidJobException.field("sampler.minSteps", "a step range excludes steps, nfeBudget and times");
        }
        if (min < 1 || min > maxStepsLimit) {
            throw InvalidJobException.field("sampler.minSteps", "must be in [1, " + maxStepsLimit + "], got " + min);
        }
        if (max < min || max > maxStepsLimit) {
            throw InvalidJobException.field("sampler.maxSteps", "must be in [minSteps=" + min + ", " + maxStepsLimit
                    + "], got " + max);
        }
        return new StepRange(min, max);
    }
}
