package dev.flowline.config;

import java.nio.file.Path;
import java.util.List;

/**
 * Which models the worker serves.
 *
 * @param dirs                  directories searched for model manifests ({@code flowline-model.json})
 * @param builtin               also serve the built-in demo models
 * @param analytic              also serve {@link #ANALYTIC_NAME}, a closed-form Gaussian flow with no weights (smoke,
 *                              chaos and load tests of a deployment without its real models)
 * @param analyticCostPerCallMicros busy time per model call of the analytic model, emulating a heavier network
 */
public record ModelOptions(List<Path> dirs, boolean builtin, boolean analytic, long analyticCostPerCallMicros) {
    /** Name of the closed-form model served when {@code models.analytic} is true. */
    public static final String ANALYTIC_NAME = "analytic";

    public ModelOptions {
        dirs = List.copyOf(dirs);
        if (analyticCostPerCallMicros < 0) {
            throw new ConfigException("models.analyticCostPerCallMicros", analyticCostPerCallMicros, "must be >= 0");
        }
    }

    public ModelOptions(List<Path> dirs, boolean builtin) {
        this(dirs, builtin, false, 0);
    }

    public static ModelOptions defaults() {
        return new ModelOptions(List.of(), true);
    }
}
