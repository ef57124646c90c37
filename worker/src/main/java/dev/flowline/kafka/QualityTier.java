package dev.flowline.kafka;

import dev.flowline.avro.SamplerSpec;
import dev.flowline.model.ModelInfo;
import dev.flowline.sampling.Sampler;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A request's quality tier (sampler.tier), checked at intake: the samplers the model's manifest maps the tier to,
 * cheapest first, each as the result's samplerUsed would name it. The scheduler picks one at admission by load, as for
 * a step range (see {@code batching.StepChoice}). The tier fixes the sampler, so a field that would also choose one is
 * refused naming sampler.tier; the job's guidance, guidance interval and stochasticity still apply.
 *
 * @param name       the tier's name
 * @param candidates its samplers, cheapest first
 */
record QualityTier(String name, List<SamplerChoice> candidates) {

    /** The schema's default solver: a request that leaves the solver out carries it, so it cannot count as given. */
    private static final String DEFAULT_SOLVER = SamplerSpec.newBuilder().build().getSolver();

    QualityTier {
        candidates = List.copyOf(candidates);
    }

    /** The tier the spec asks for, or null when it asks for none; throws naming sampler.tier. */
    static QualityTier of(SamplerSpec spec, ModelInfo info) throws InvalidJobException {
        String name = spec.getTier();
        if (name == null) return null;
        List<String> given = new ArrayList<>();
        if (spec.getSolver() != null && !spec.getSolver().strip().toLowerCase(Locale.ROOT).equals(DEFAULT_SOLVER)) given.add("solver");
        if (spec.getSteps() != null) given.add("steps");
        if (spec.getMinSteps() != null) given.add("minSteps");
        if (spec.getMaxSteps() != null) given.add("maxSteps");
        if (spec.getNfeBudget() != null) given.add("nfeBudget");
        if (spec.getTimes() != null) given.add("times");
        if (spec.getSchedule() != null) given.add("schedule");
        if (!spec.getScheduleParams().isEmpty()) given.add("scheduleParams");
        if (!spec.getSolverParams().isEmpty()) given.add("solverParams");
        if (!given.isEmpty()) {
            throw InvalidJobException.field("sampler.tier", "a tier chooses the sampler, so it excludes sampler."
                    + String.join(", sampler.", given) + " (leave the solver at its default)");
        }
        List<Sampler> samplers = info.tiers().get(name);
        if (samplers == null) {
            String asked = Rejection.abbreviate(name, 200);
            throw InvalidJobException.field("sampler.tier", info.tiers().isEmpty()
                    ? "model '" + info.name() + "' maps no quality tiers, got '" + asked + "'"
                    : "model '" + info.name() + "' maps no tier '" + asked + "'; its tiers: " + info.tiers().keySet());
        }
        return new QualityTier(name, samplers.stream().map(SamplerChoice::of).toList());
    }
}
