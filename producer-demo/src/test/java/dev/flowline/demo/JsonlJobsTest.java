package dev.flowline.demo;

import dev.flowline.avro.GenerationRequest;
import org.junit.jupiter.api.Test;

import java.io.StringReader;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class JsonlJobsTest {

    private static final String GOOD = """
            {"jobId": "a", "model": "fashion-mnist", "numSamples": 2, "sampler": {"solver": "heun", "steps": {"int": 8}}}
            """.strip();

    @Test
    void readsOneJobPerLineSkippingBlanksAndComments() throws Exception {
        String text = "# jobs\n" + GOOD + "\n\n" + GOOD.replace("\"a\"", "\"b\"") + "\n";
        List<GenerationRequest> jobs = JsonlJobs.read(new StringReader(text), "jobs.jsonl");
        assertThat(jobs).extracting(GenerationRequest::getJobId).containsExactly("a", "b");
        assertThat(jobs.get(0).getSampler().getSteps()).isEqualTo(8);
        assertThat(jobs.get(0).getNumSamples()).isEqualTo(2);
        assertThat(jobs.get(0).getSeed()).isZero(); // defaults filled in
    }

    @Test
    void theReadmeExampleLineParses() throws Exception {
        // Kept identical to the JSONL example in README.md.
        String line = """
                {"jobId": "j-1", "model": "fashion-mnist", "numSamples": 4, "conditioning": {"dev.flowline.avro.Conditioning": {"classLabel": {"int": 7}, "vector": null}}, "sampler": {"solver": "heun", "steps": {"int": 8}, "guidanceScale": 2.0}, "seed": 42}
                """.strip();
        GenerationRequest job = JsonlJobs.read(new StringReader(line), "README").get(0);
        assertThat(job.getConditioning().getClassLabel()).isEqualTo(7);
        assertThat(job.getSampler().getGuidanceScale()).isEqualTo(2.0);
        assertThat(job.getSeed()).isEqualTo(42);
        String readme = java.nio.file.Files.readString(java.nio.file.Path.of("../README.md"));
        assertThat(readme).contains(line);
    }

    @Test
    void theReadmeTierExampleParsesWithTheSolverLeftAtItsDefault() throws Exception {
        // Kept identical to the quality-tier example in README.md.
        String line = """
                {"jobId": "j-2", "model": "fashion-mnist", "numSamples": 4, "conditioning": {"dev.flowline.avro.Conditioning": {"classLabel": {"int": 7}, "vector": null}}, "sampler": {"tier": {"string": "fast"}, "guidanceScale": 2.0}, "seed": 42}
                """.strip();
        GenerationRequest job = JsonlJobs.read(new StringReader(line), "README").get(0);
        assertThat(job.getSampler().getTier()).isEqualTo("fast");
        assertThat(job.getSampler().getSteps()).isNull();
        assertThat(job.getSampler().getSolver()).isEqualTo("heun"); // the schema default, which a tier accepts
        String readme = java.nio.file.Files.readString(java.nio.file.Path.of("../README.md"));
        assertThat(readme).contains(line);
    }

    @Test
    void aBadFieldNamesTheLineAndTheField() {
        String bad = GOOD.replace("{\"int\": 8}", "8"); // a union value must be wrapped in Avro JSON
        String text = GOOD + "\n" + "\n" + bad + "\n";
        assertThatThrownBy(() -> JsonlJobs.read(new StringReader(text), "jobs.jsonl"))
                .isInstanceOf(JsonlJobs.JsonlException.class)
                .hasMessageContaining("jobs.jsonl line 3")
                .hasMessageContaining("sampler.steps")
                .satisfies(e -> assertThat(((JsonlJobs.JsonlException) e).line()).isEqualTo(3));
    }

    @Test
    void aMissingRequiredFieldNamesIt() {
        String text = "{\"model\": \"fashion-mnist\", \"sampler\": {}}\n";
        assertThatThrownBy(() -> JsonlJobs.read(new StringReader(text), "in"))
                .hasMessageContaining("in line 1")
                .hasMessageContaining("jobId");
    }

    @Test
    void notJsonAtAllNamesTheLine() {
        assertThatThrownBy(() -> JsonlJobs.read(new StringReader(GOOD + "\nthis is not json\n"), "in"))
                .hasMessageContaining("in line 2");
    }
}
