package dev.flowline.kafka;

import dev.flowline.batching.ModelProvider;
import dev.flowline.model.AnalyticGaussianModel;
import dev.flowline.model.ModelRegistry;
import dev.flowline.model.ModelRegistryOptions;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Intake and scheduler read one view of the registry: a model is served for both or for neither. */
class RegistryCatalogTest {

    @Test
    void intakeAndSchedulerAgreeOnWhatIsServed() {
        try (ModelRegistry registry = new ModelRegistry(ModelRegistryOptions.builtInOnly().withBuiltIn(false))) {
            registry.register(AnalyticGaussianModel.builder().optName("gauss").optSampleShape(1, 4, 4).optNumClasses(3).build());
            RegistryCatalog catalog = new RegistryCatalog(registry);
            ModelProvider scheduler = catalog.provider();

            assertThat(catalog.info("gauss")).isPresent();
            assertThat(scheduler.find("gauss")).containsSame(registry.get("gauss"));
            assertThat(scheduler.decoder("gauss")).as("a pixel model has no decoder").isEmpty();

            assertThat(catalog.serves("nope")).isFalse();
            assertThat(catalog.info("nope")).isEmpty();
            assertThat(scheduler.find("nope")).isEmpty();
            assertThat(scheduler.decoder("nope")).isEmpty();
        }
    }
}
