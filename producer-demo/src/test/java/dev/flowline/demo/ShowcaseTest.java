package dev.flowline.demo;

import dev.flowline.avro.GenerationRequest;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class ShowcaseTest {
    private static final List<String> CLASSES = List.of("a", "b", "c");

    @Test
    void theLatentColumnRunsOnTheLatentModelWithIdsApartFromEveryOtherColumn() {
        List<Showcase.ShowJob> jobs = Showcase.jobs("fashion-mnist", CLASSES, 2.0, 1, Showcase.columns(c -> true));
        assertThat(jobs).hasSize(CLASSES.size() * Showcase.COLUMNS.size());
        assertThat(jobs.stream().map(j -> j.request().getJobId()).distinct()).hasSize(jobs.size());
        List<GenerationRequest> latent = jobs.stream().map(Showcase.ShowJob::request)
                .filter(r -> r.getModel().equals(Showcase.LATENT_MODEL)).toList();
        assertThat(latent).hasSize(CLASSES.size());
        assertThat(latent).allSatisfy(r -> {
            assertThat(r.getSampler().getSolver()).isEqualTo("heun");
            assertThat(r.getSampler().getGuidanceScale()).isEqualTo(2.0);
        });
        assertThat(jobs).filteredOn(j -> j.request().getModel().equals(Showcase.LATENT_MODEL))
                .extracting(Showcase.ShowJob::column).containsOnly("Latent, Heun 8 steps, w=2");
    }
}
