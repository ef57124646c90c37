package dev.flowline.schema;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.flowline.avro.GenerationRequest;
import dev.flowline.avro.OutputFormat;
import dev.flowline.schema.Samples.Sample;
import java.time.Instant;
import java.util.List;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/** Avro JSON for the demo client: round trips, defaults for omitted fields, errors that name the field. */
class AvroJsonTest {

    private static final String MINIMAL = "{\"jobId\": \"j1\", \"model\": \"mnist\", \"sampler\": {}}";

    static List<Sample> samples() {
        return Samples.all();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("samples")
    void everySampleSurvivesAJsonRoundTripOnOneLine(Sample sample) throws Exception {
        String json = AvroJson.write(sample.record());

        SpecificRecord read = AvroJson.read(json, sample.record().getClass());

        assertThat(json).doesNotContain("\n");
        assertThat(read).isEqualTo(sample.record());
    }

    @Test
    void omittedFieldsTakeTheirDefaults() throws Exception {
        GenerationRequest request = AvroJson.readRequest(MINIMAL);

        assertThat(request.getJobId()).isEqualTo("j1");
        assertThat(request.getNumSamples()).isEqualTo(1);
        assertThat(request.getConditioning()).isNull();
        assertThat(request.getSampler().getSolver()).isEqualTo("heun");
        assertThat(request.getSampler().getGuidanceScale()).isEqualTo(1.0);
        assertThat(request.getSampler().getScheduleParams()).isEmpty();
        assertThat(request.getOutputFormat()).isEqualTo(OutputFormat.PNG);
        assertThat(request.getMetadata()).isEmpty();
    }

    @Test
    void unionsUseAvrosBranchWrappers() throws Exception {
        GenerationRequest request = AvroJson.readRequest("""
                {"jobId": "j2", "model": "mnist", "numSamples": 4,
                 "conditioning": {"dev.flowline.avro.Conditioning": {"classLabel": {"int": 3}}},
                 "sampler": {"solver": "rk4", "steps": {"int": 8},
                             "guidanceInterval": {"dev.flowline.avro.GuidanceInterval": {"start": 0.2, "end": 0.8}}},
                 "deadline": {"long": 1790000000123}, "metadata": {"k": "v"}}""");

        assertThat(request.getConditioning().getClassLabel()).isEqualTo(3);
        assertThat(request.getConditioning().getVector()).isNull(); // default inside a union branch
        assertThat(request.getSampler().getSteps()).isEqualTo(8);
        assertThat(request.getSampler().getGuidanceInterval().getEnd()).isEqualTo(0.8);
        assertThat(request.getDeadline()).isEqualTo(Instant.ofEpochMilli(1_790_000_000_123L));
        assertThat(request.getMetadata()).containsEntry("k", "v");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            wrong primitive type      | {"jobId": "j", "model": "m", "numSamples": "three", "sampler": {}}              | numSamples | Expected int
            int out of range          | {"jobId": "j", "model": "m", "numSamples": 3000000000, "sampler": {}}           | numSamples | out of range
            nested wrong type         | {"jobId": "j", "model": "m", "sampler": {"guidanceScale": "high"}}              | sampler.guidanceScale | Expected double
            union without wrapper     | {"jobId": "j", "model": "m", "sampler": {"steps": 20}}                          | sampler.steps | union
            unknown enum symbol       | {"jobId": "j", "model": "m", "sampler": {}, "outputFormat": "JPEG"}             | outputFormat | JPEG
            missing required field    | {"jobId": "j", "sampler": {}}                                                   | model | required field is missing
            misspelt field            | {"jobId": "j", "model": "m", "sampler": {}, "numSample": 2}                     | numSample | no such field in GenerationRequest
            misspelt nested field     | {"jobId": "j", "model": "m", "sampler": {"step": {"int": 2}}}                   | sampler.step | no such field in SamplerSpec
            missing field in a branch | {"jobId": "j", "model": "m", "sampler": {"guidanceInterval": {"dev.flowline.avro.GuidanceInterval": {"start": 0.1}}}} | sampler.guidanceInterval.end | required field is missing
            record is not an object   | {"jobId": "j", "model": "m", "sampler": []}                                     | sampler | expected a JSON object for SamplerSpec
            """)
    void errorsNameTheField(String scenario, String json, String field, String message) {
        JsonMessageException e = catchThrowableOfType(JsonMessageException.class, () -> AvroJson.readRequest(json));

        assertThat(e).as(scenario).isNotNull();
        assertThat(e.field()).as(scenario).contains(field);
        assertThat(e).as(scenario).hasMessageStartingWith("field " + field + ": ").hasMessageContaining(message);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            cut off          | {"jobId": "j", "model":                            | not valid JSON at column
            two values       | {"jobId": "j", "model": "m", "sampler": {}} {}     | not valid JSON
            nothing          | '   '                                              | no JSON value
            not an object    | null                                               | expected a JSON object for GenerationRequest
            """)
    void errorsOutsideAnyField(String scenario, String json, String message) {
        JsonMessageException e = catchThrowableOfType(JsonMessageException.class, () -> AvroJson.readRequest(json));

        assertThat(e).as(scenario).isNotNull();
        assertThat(e.field()).as(scenario).isEmpty();
        assertThat(e).as(scenario).hasMessageContaining(message);
    }
}
