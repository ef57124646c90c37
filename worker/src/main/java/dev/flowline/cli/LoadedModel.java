package dev.flowline.cli;

import dev.flowline.bench.MachineInfo;
import dev.flowline.model.AnalyticGaussianModel;
import dev.flowline.model.DjlVelocityModel;
import dev.flowline.model.ModelManifest;
import dev.flowline.model.ModelRegistry;
import dev.flowline.model.VelocityModel;

import java.util.Map;

/** A benchmark's model and what owns it; closing releases the registry (and with it the model). */
record LoadedModel(VelocityModel model, ModelManifest manifest, ModelRegistry registry) implements AutoCloseable {
    /** The {@code --model} name of the closed-form model. */
    static final String ANALYTIC = "analytic-gaussian";

    static LoadedModel analytic(long costPerRowMicros, long costPerCallMicros) {
        AnalyticGaussianModel m = AnalyticGaussianModel.builder().optName(ANALYTIC)
                .optCostPerRowMicros(costPerRowMicros).optCostPerCallMicros(costPerCallMicros).build();
        return new LoadedModel(m, null, null);
    }

    static LoadedModel fromRegistry(ModelRegistry registry, String name) {
        try {
            VelocityModel m = registry.get(name);
            return new LoadedModel(m, registry.manifest(name), registry);
        } catch (RuntimeException e) {
            registry.close();
            throw e;
        }
    }

    /** Cores, JDK, engine and device of this run. */
    Map<String, Object> machine() {
        if (model instanceof DjlVelocityModel d) return MachineInfo.describe(d.engine().djlName(), d.device().toString());
        if (model instanceof AnalyticGaussianModel) return MachineInfo.describe("none (closed-form model, busy-spin cost)", "cpu");
        return MachineInfo.describe(model.getClass().getSimpleName(), "unknown");
    }

    @Override
    public void close() {
        if (registry != null) registry.close();
        else model.close();
    }
}
