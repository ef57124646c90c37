package dev.flowline.kafka;

import dev.flowline.avro.Conditioning;
import dev.flowline.avro.GenerationRequest;
import dev.flowline.avro.OutputFormat;
import dev.flowline.avro.SamplerSpec;
import dev.flowline.config.LimitOptions;
import dev.flowline.model.AnalyticGaussianModel;
import dev.flowline.model.ModelInfo;
import dev.flowline.sampling.SampleState;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class JobFactoryTest {
    private static final ModelInfo GAUSS = AnalyticGaussianModel.builder().optName("gauss").optSampleShape(1, 4, 4).optNumClasses(3).build().info();
    private static final ModelInfo FLAT = AnalyticGaussianModel.builder().optName("flat").optSampleShape(16).optNumClasses(0).build().info();
    private static final RecordRef REF = new RecordRef(new TopicPartition("jobs", 2), 7, 42, "job-1", 1_000);

    private final JobFactory factory = new JobFactory(new JobFactory.ModelCatalog() {
        @Override
        public Optional<ModelInfo> info(String name) {
            return List.of(GAUSS, FLAT).stream().filter(m -> m.name().equals(name)).findFirst();
        }

        @Override
        public Collection<String> names() {
            return List.of("flat", "gauss");
        }
    }, new LimitOptions(8, 100, 400, 64, 1_000_000));

    private static final ModelInfo LATENT = AnalyticGaussianModel.builder().optName("latent").optSampleShape(4, 7, 7).optNumClasses(0).build().info();
    private static final ModelInfo LATENT_FLAT = AnalyticGaussianModel.builder().optName("latent-flat").optSampleShape(4, 7, 7).optNumClasses(0).build().info();

    private static dev.flowline.model.PipelineStage stage(int[] out, double lo, double hi) {
        return new dev.flowline.model.PipelineStage("decoder", dev.flowline.model.EngineKind.ONNX_RUNTIME,
                Map.of(dev.flowline.model.EngineKind.ONNX_RUNTIME, "decoder.onnx"), "z", "image", new int[] {4, 7, 7}, out,
                new ModelInfo.ValueRange(lo, hi));
    }

    /** Latent models: one decoding to a 1x28x28 image in [0, 1], one decoding to a flat vector. */
    private final JobFactory latentFactory = new JobFactory(new JobFactory.ModelCatalog() {
        @Override
        public Optional<ModelInfo> info(String name) {
            return List.of(LATENT, LATENT_FLAT).stream().filter(m -> m.name().equals(name)).findFirst();
        }

        @Override
        public Collection<String> names() {
            return List.of("latent", "latent-flat");
        }

        @Override
        public Optional<dev.flowline.model.PipelineStage> decoder(String name) {
            return Optional.of(name.equals("latent") ? stage(new int[] {1, 28, 28}, 0, 1) : stage(new int[] {784}, -1, 1));
        }
    }, new LimitOptions(8, 100, 400, 64, 1_000_000));

    @Test
    void aLatentModelsJobIsDescribedByItsDecodersOutputNotItsLatent() throws Exception {
        Decoded.Valid v = latentFactory.create(with(b -> b.setModel("latent").setOutputFormat(OutputFormat.PNG)), REF);
        assertThat(v.ticket().shape()).containsExactly(1, 28, 28);
        assertThat(v.ticket().image()).isEqualTo(new OutputEncoder.ImageGeometry(1, 28, 28));
        assertThat(v.ticket().valueLow()).isZero();
        assertThat(v.ticket().valueHigh()).isEqualTo(1.0);
        Decoded.Valid raw = latentFactory.create(with(b -> b.setModel("latent-flat").setOutputFormat(OutputFormat.RAW_FLOAT32)), REF);
        assertThat(raw.ticket().shape()).containsExactly(784);
    }

    @Test
    void pngOfALatentModelWhoseDecoderMakesNoImageIsRejectedNamingOutputFormat() {
        assertThatThrownBy(() -> latentFactory.create(with(b -> b.setModel("latent-flat").setOutputFormat(OutputFormat.PNG)), REF))
                .isInstanceOf(InvalidJobException.class).hasMessageStartingWith("outputFormat")
                .hasMessageContaining("decoder of model 'latent-flat'").hasMessageContaining("RAW_FLOAT32");
    }

    private static GenerationRequest.Builder req() {
        return GenerationRequest.newBuilder().setJobId("job-1").setModel("gauss").setNumSamples(3)
                .setSampler(SamplerSpec.newBuilder().setSolver("heun").setSteps(5).build()).setSeed(11);
    }

    private static GenerationRequest with(Consumer<GenerationRequest.Builder> change) {
        GenerationRequest.Builder b = req();
        change.accept(b);
        return b.build();
    }

    @Test
    void aValidRequestBecomesAJobWithOneSampleStatePerSampleAndItsTicket() throws Exception {
        Instant deadline = Instant.ofEpochMilli(123_456);
        GenerationRequest r = with(b -> b.setPriority(4).setDeadline(deadline).setProgress(true)
                .setConditioning(Conditioning.newBuilder().setClassLabel(2).build())
                .setMetadata(Map.of("client", "test")));
        Decoded.Valid v = factory.create(r, REF);
        assertThat(v.job().jobId()).isEqualTo("job-1");
        assertThat(v.job().model()).isEqualTo("gauss");
        assertThat(v.job().samples()).hasSize(3).allSatisfy(s -> assertThat(s.totalSteps()).isEqualTo(5));
        assertThat(v.job().priority()).isEqualTo(4);
        assertThat(v.job().deadline()).isEqualTo(deadline);
        assertThat(v.job().progress()).isTrue();
        assertThat(v.job().origin()).isSameAs(v.ticket());
        assertThat(JobTicket.of(v.job())).isSameAs(v.ticket());
        JobTicket t = v.ticket();
        assertThat(t.record()).isEqualTo(REF);
        assertThat(t.format()).isEqualTo(OutputFormat.PNG);
        assertThat(t.shape()).containsExactly(1, 4, 4);
        assertThat(t.image()).isEqualTo(new OutputEncoder.ImageGeometry(1, 4, 4));
        assertThat(t.valueLow()).isEqualTo(-1.0);
        assertThat(t.valueHigh()).isEqualTo(1.0);
        assertThat(t.metadata()).containsEntry("client", "test");
    }

    @Test
    void samplesOfOneJobDifferAndTheSameSeedGivesTheSameNoise() throws Exception {
        List<SampleState> a = factory.create(req().build(), REF).job().samples();
        List<SampleState> b = factory.create(req().build(), REF).job().samples();
        assertThat(firstRow(a.get(0))).isEqualTo(firstRow(b.get(0)));
        assertThat(firstRow(a.get(0))).isNotEqualTo(firstRow(a.get(1)));
    }

    private static float[] firstRow(SampleState s) {
        float[] x = new float[16 * 2];
        s.writeRows(x, new float[2], new int[2], 0);
        return java.util.Arrays.copyOf(x, 16);
    }

    @ParameterizedTest
    @ValueSource(strings = {"euler", "midpoint", "heun", "ralston3", "rk4", "ab2", "ab3"})
    void everyFixedStepSolverBuilds(String solver) throws Exception {
        Decoded.Valid v = factory.create(with(b -> b.setSampler(SamplerSpec.newBuilder().setSolver(solver).setSteps(6).build())), REF);
        assertThat(v.job().samples()).allSatisfy(s -> assertThat(s.totalSteps()).isEqualTo(6));
    }

    @Test
    void theAdaptiveSolverBuildsWithoutSteps() throws Exception {
        Decoded.Valid v = factory.create(with(b -> b.setSampler(SamplerSpec.newBuilder().setSolver("dopri5")
                .setSolverParams(Map.of("rtol", 1e-3, "atol", 1e-3)).build())), REF);
        assertThat(v.job().samples()).hasSize(3);
    }

    @Test
    void withoutAStepCountTheModelsDefaultApplies() throws Exception {
        Decoded.Valid v = factory.create(with(b -> b.setSampler(SamplerSpec.newBuilder().setSolver("euler").build())), REF);
        assertThat(v.job().samples().get(0).totalSteps()).isEqualTo(GAUSS.defaultSampler().steps());
    }

    @Test
    void aStepRangeGivesTheSchedulerEveryCountBetweenItsEndsStartingFromTheLargest() throws Exception {
        Decoded.Valid v = factory.create(with(b -> b.setSampler(SamplerSpec.newBuilder().setSolver("heun")
                .setMinSteps(2).setMaxSteps(6).build()).setNumSamples(2)), REF);
        assertThat(v.job().samples().get(0).totalSteps()).isEqualTo(6);
        assertThat(v.ticket().sampler()).isEqualTo(new SamplerChoice("heun", 6, null));
        var choice = v.job().stepChoice();
        assertThat(choice.size()).isEqualTo(5); // candidates 2..6 steps, cheapest first
        assertThat(choice.candidate().apply(0).steps()).isEqualTo(2);
        assertThat(choice.largest().steps()).isEqualTo(6);
        var three = choice.candidate().apply(1);
        assertThat(three).isEqualTo(new dev.flowline.batching.StepChoice.Candidate("heun", 3, null, 6)); // Heun: two evaluations a step
        assertThat(choice.samplesFor().apply(1)).hasSize(2).allSatisfy(s -> assertThat(s.totalSteps()).isEqualTo(3));
        // What the result reports once the scheduler chose 3: a replay asking for heun at 3 steps.
        assertThat(v.ticket().sampler().chosen(three)).isEqualTo(new SamplerChoice("heun", 3, null));
        assertThat(v.ticket().sampler().withChosenSteps(3)).isEqualTo(new SamplerChoice("heun", 3, null));
        assertThat(v.ticket().sampler().chosen(null)).isEqualTo(v.ticket().sampler());
        assertThat(v.ticket().sampler().withChosenSteps(0)).isEqualTo(v.ticket().sampler());
    }

    @Test
    void aStepRangeNeedsAFixedStepSolver() {
        assertField(with(b -> b.setSampler(SamplerSpec.newBuilder().setSolver("dopri5").setMinSteps(2).setMaxSteps(6).build())), "sampler.minSteps");
    }

    @Test
    void invalidStepRangesAndTiersAreRejectedNamingTheField() {
        assertField(with(b -> b.setSampler(SamplerSpec.newBuilder().setSolver("euler").setMinSteps(0).setMaxSteps(4).build())), "sampler.minSteps");
        assertField(with(b -> b.setSampler(SamplerSpec.newBuilder().setSolver("euler").setMinSteps(5).setMaxSteps(4).build())), "sampler.maxSteps");
        assertField(with(b -> b.setSampler(SamplerSpec.newBuilder().setSolver("euler").setMinSteps(2).setMaxSteps(101).build())), "sampler.maxSteps");
        assertField(with(b -> b.setSampler(SamplerSpec.newBuilder().setSolver("euler").setMaxSteps(4).build())), "sampler.minSteps");
        assertField(with(b -> b.setSampler(SamplerSpec.newBuilder().setSolver("euler").setMinSteps(2).build())), "sampler.maxSteps");
        assertField(with(b -> b.setSampler(SamplerSpec.newBuilder().setSolver("euler").setSteps(3).setMinSteps(2).setMaxSteps(4).build())), "sampler.minSteps");
        assertField(with(b -> b.setSampler(SamplerSpec.newBuilder().setTier("fast").build())), "sampler.tier"); // gauss maps no tiers
    }

    @Test
    void anExplicitTimeGridFixesTheSteps() throws Exception {
        Decoded.Valid v = factory.create(with(b -> b.setSampler(SamplerSpec.newBuilder().setSolver("euler")
                .setTimes(List.of(0.0, 0.5, 0.9, 1.0)).build())), REF);
        assertThat(v.job().samples().get(0).totalSteps()).isEqualTo(3);
    }

    @Test
    void anUnknownModelIsRejectedListingTheKnownOnes() {
        assertThatThrownBy(() -> factory.create(with(b -> b.setModel("sdxl")), REF))
                .isInstanceOf(InvalidJobException.class)
                .satisfies(e -> assertThat(((InvalidJobException) e).errorCode()).isEqualTo("UNKNOWN_MODEL"))
                .hasMessageContaining("sdxl").hasMessageContaining("[flat, gauss]");
    }

    @Test
    void invalidFieldsAreRejectedNamingTheField() {
        assertField(with(b -> b.setJobId(" ")), "jobId");
        assertField(with(b -> b.setNumSamples(0)), "numSamples");
        assertField(with(b -> b.setNumSamples(9)), "numSamples");
        assertField(with(b -> b.setConditioning(Conditioning.newBuilder().setClassLabel(3).build())), "conditioning.classLabel");
        assertField(with(b -> b.setModel("flat").setOutputFormat(OutputFormat.RAW_FLOAT32)
                .setConditioning(Conditioning.newBuilder().setClassLabel(0).build())), "conditioning.classLabel");
        assertField(with(b -> b.setConditioning(Conditioning.newBuilder().setVector(List.of(1f)).build())), "conditioning.vector");
        assertField(with(b -> b.setSampler(SamplerSpec.newBuilder().setSolver("heun").setSteps(5).setGuidanceScale(3.0).build())), "sampler.guidanceScale");
        assertField(with(b -> b.setSampler(SamplerSpec.newBuilder().setSolver("heun").setSteps(0).build())), "sampler.steps");
        assertField(with(b -> b.setSampler(SamplerSpec.newBuilder().setSolver("heun").setSteps(101).build())), "sampler.steps");
        assertField(with(b -> b.setSampler(SamplerSpec.newBuilder().setSolver("magic").setSteps(5).build())), "sampler.solver");
        assertField(with(b -> b.setSampler(SamplerSpec.newBuilder().setSolver("euler").setNfeBudget(1000).build())), "sampler.nfeBudget");
        assertField(with(b -> b.setSampler(SamplerSpec.newBuilder().setSolver("euler").setSchedule("boss-8").build())), "sampler.schedule");
        // Learned and flow-map solvers need a model that has them.
        assertField(with(b -> b.setSampler(SamplerSpec.newBuilder().setSolver("bespoke").build())), "sampler.solver");
        assertField(with(b -> b.setSampler(SamplerSpec.newBuilder().setSolver("flowmap").setSteps(2).build())), "sampler.solver");
        assertField(with(b -> b.setSampler(SamplerSpec.newBuilder().setSolver("euler").setTimes(List.of(0.0, 0.7, 0.3, 1.0)).build())), "sampler.times");
        assertField(with(b -> b.setMetadata(Map.of("k", "x".repeat(100)))), "metadata");
        assertField(with(b -> b.setModel("flat")), "outputFormat");
    }

    @Test
    void guidanceWithALabelOnAModelWithANullClassIsFine() throws Exception {
        Decoded.Valid v = factory.create(with(b -> b.setConditioning(Conditioning.newBuilder().setClassLabel(1).build())
                .setSampler(SamplerSpec.newBuilder().setSolver("heun").setSteps(4).setGuidanceScale(2.5).build())), REF);
        assertThat(v.job().samples().get(0).rowsNeeded()).as("conditional and unconditional rows").isEqualTo(2);
    }

    @Test
    void aGuidanceScaleAboveTheLimitIsRejectedUpFrontNamingTheFieldAndTheBound() {
        GenerationRequest huge = with(b -> b.setConditioning(Conditioning.newBuilder().setClassLabel(1).build())
                .setSampler(SamplerSpec.newBuilder().setSolver("rk4").setSteps(4).setGuidanceScale(1e300).build()));
        assertField(huge, "sampler.guidanceScale");
        assertThatThrownBy(() -> factory.create(huge, REF)).hasMessageContaining("[0, 20.0]").hasMessageContaining("1.0E300");
        GenerationRequest atLimit = with(b -> b.setConditioning(Conditioning.newBuilder().setClassLabel(1).build())
                .setSampler(SamplerSpec.newBuilder().setSolver("rk4").setSteps(4).setGuidanceScale(20.0).build()));
        org.assertj.core.api.Assertions.assertThatCode(() -> factory.create(atLimit, REF)).doesNotThrowAnyException();
        GenerationRequest negative = with(b -> b.setConditioning(Conditioning.newBuilder().setClassLabel(1).build())
                .setSampler(SamplerSpec.newBuilder().setSolver("rk4").setSteps(4).setGuidanceScale(-1.0).build()));
        assertField(negative, "sampler.guidanceScale");
    }

    @Test
    void theDecoderKeepsTheOriginalBytesWithTheJobSoALateRejectionCanDeadLetterThem() {
        var codec = dev.flowline.schema.MessageCodec.standard();
        byte[] bytes = codec.encode(req().build());
        Decoded d = new RequestDecoder(codec, factory, "w", 1_000_000).decode(REF, bytes);
        assertThat(d).isInstanceOf(Decoded.Valid.class);
        assertThat(((Decoded.Valid) d).value()).isEqualTo(bytes);
    }

    private void assertField(GenerationRequest r, String field) {
        assertThatThrownBy(() -> factory.create(r, REF))
                .isInstanceOf(InvalidJobException.class)
                .hasMessageStartingWith(field + ": ")
                .satisfies(e -> {
                    assertThat(((InvalidJobException) e).errorCode()).isEqualTo("INVALID_FIELD");
                    assertThat(((InvalidJobException) e).field()).isEqualTo(field);
                });
    }

    /** The dedup key names everything a sample's bytes depend on, and nothing they do not. */
    @Test
    void requestsGetEqualDedupKeysExactlyWhenTheirSamplesAreIdentical() throws Exception {
        String base = factory.create(req().build(), REF).job().dedupKey();
        assertThat(base).isNotBlank();
        // what a sample's bytes do not depend on: another id, priority, output format, deadline, progress, metadata
        assertThat(factory.create(with(b -> b.setJobId("job-2").setPriority(9).setOutputFormat(OutputFormat.RAW_FLOAT32)
                .setDeadline(Instant.ofEpochMilli(99)).setProgress(true).setMetadata(Map.of("k", "v"))), REF).job().dedupKey())
                .isEqualTo(base);
        // what they do depend on
        List<GenerationRequest> different = List.of(
                with(b -> b.setSeed(12)),
                with(b -> b.setModel("flat").setConditioning(null).setOutputFormat(OutputFormat.RAW_FLOAT32)),
                with(b -> b.setConditioning(Conditioning.newBuilder().setClassLabel(1).build())),
                with(b -> b.setSampler(SamplerSpec.newBuilder().setSolver("euler").setSteps(5).build())),
                with(b -> b.setSampler(SamplerSpec.newBuilder().setSolver("heun").setSteps(6).build())),
                with(b -> b.setSampler(SamplerSpec.newBuilder().setSolver("heun").setSteps(5).setStochasticity(0.5).build())),
                with(b -> b.setSampler(SamplerSpec.newBuilder().setSolver("heun").setSteps(5).setSchedule("shifted")
                        .setScheduleParams(Map.of("shift", 2.0)).build())));
        for (GenerationRequest r : different) {
            assertThat(factory.create(r, REF).job().dedupKey()).as(r.toString()).isNotEqualTo(base);
        }
        GenerationRequest guided = with(b -> b.setConditioning(Conditioning.newBuilder().setClassLabel(1).build())
                .setSampler(SamplerSpec.newBuilder().setSolver("heun").setSteps(5).setGuidanceScale(2.0).build()));
        GenerationRequest moreGuided = with(b -> b.setConditioning(Conditioning.newBuilder().setClassLabel(1).build())
                .setSampler(SamplerSpec.newBuilder().setSolver("heun").setSteps(5).setGuidanceScale(3.0).build()));
        assertThat(factory.create(guided, REF).job().dedupKey()).isNotEqualTo(factory.create(moreGuided, REF).job().dedupKey());
    }

    @Test
    void previewsNeedProgressAPositiveIntervalAndAnImageModel() throws Exception {
        assertThat(factory.create(req().build(), REF).job().previewEvery()).isZero();
        Decoded.Valid v = factory.create(with(b -> b.setProgress(true).setPreviewEvery(5).setOutputFormat(OutputFormat.RAW_FLOAT32)), REF);
        assertThat(v.job().previewEvery()).isEqualTo(5);
        assertThat(v.ticket().preview()).as("raw outputs, image previews").isEqualTo(new OutputEncoder.ImageGeometry(1, 4, 4));
        assertThat(factory.create(with(b -> b.setProgress(true).setPreviewEvery(0)), REF).ticket().preview()).isNull();
        assertThatThrownBy(() -> factory.create(with(b -> b.setPreviewEvery(5)), REF))
                .isInstanceOf(InvalidJobException.class).hasMessageStartingWith("previewEvery: ").hasMessageContaining("progress");
        assertThatThrownBy(() -> factory.create(with(b -> b.setProgress(true).setPreviewEvery(-1)), REF))
                .isInstanceOf(InvalidJobException.class).hasMessageStartingWith("previewEvery: ");
        assertThatThrownBy(() -> factory.create(with(b -> b.setModel("flat").setProgress(true).setPreviewEvery(2)
                .setOutputFormat(OutputFormat.RAW_FLOAT32)), REF))
                .isInstanceOf(InvalidJobException.class).hasMessageStartingWith("previewEvery: ").hasMessageContaining("images");
    }
}
