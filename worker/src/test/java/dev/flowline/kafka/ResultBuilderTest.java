package dev.flowline.kafka;

import dev.flowline.avro.DeadLetter;
import dev.flowline.avro.GenerationRequest;
import dev.flowline.avro.GenerationResult;
import dev.flowline.avro.JobStatus;
import dev.flowline.avro.OutputFormat;
import dev.flowline.avro.SamplerSpec;
import dev.flowline.batching.Job;
import dev.flowline.batching.JobOutcome;
import dev.flowline.config.LimitOptions;
import dev.flowline.model.AnalyticGaussianModel;
import dev.flowline.model.ModelInfo;
import dev.flowline.schema.MessageCodec;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

import javax.imageio.ImageIO;
import java.io.ByteArrayInputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** Result building and request decoding, with real Avro bytes and no broker. */
class ResultBuilderTest {
    private static final MessageCodec CODEC = MessageCodec.standard();
    private static final ModelInfo GAUSS = AnalyticGaussianModel.builder().optName("gauss").optSampleShape(1, 4, 4).optNumClasses(3).build().info();
    private static final RecordRef REF = new RecordRef(new TopicPartition("jobs", 0), 1, 5, "j", System.currentTimeMillis() - 50);
    private final JobFactory factory = new JobFactory(new JobFactory.ModelCatalog() {
        @Override
        public Optional<ModelInfo> info(String name) {
            return name.equals("gauss") ? Optional.of(GAUSS) : Optional.empty();
        }

        @Override
        public Collection<String> names() {
            return List.of("gauss");
        }
    }, LimitOptions.defaults());

    private Decoded.Valid job(int samples, OutputFormat format) throws InvalidJobException {
        return factory.create(GenerationRequest.newBuilder().setJobId("j").setModel("gauss").setNumSamples(samples)
                .setOutputFormat(format).setMetadata(Map.of("m", "v"))
                .setSampler(SamplerSpec.newBuilder().setSolver("euler").setSteps(2).build()).build(), REF);
    }

    private static JobOutcome succeeded(Job job) {
        List<float[]> out = new ArrayList<>();
        for (int i = 0; i < job.samples().size(); i++) {
            float[] v = new float[16];
            for (int k = 0; k < 16; k++) v[k] = (k - 8) / 8f;
            out.add(v);
        }
        return new JobOutcome(job, dev.flowline.batching.JobStatus.SUCCEEDED, null, null, out, 2_000_000, 5_000_000, 2, 2, 3.5, 4);
    }

    @Test
    void aSucceededJobBecomesAResultWithDecodablePngsTimingsAndEchoedMetadata() throws Exception {
        Decoded.Valid v = job(2, OutputFormat.PNG);
        ResultBuilder.Built b = new ResultBuilder(CODEC, "w-1", 1_000_000).build(succeeded(v.job()), v.ticket(), System.currentTimeMillis());
        GenerationResult r = CODEC.decode(b.bytes(), GenerationResult.class);
        assertThat(r.getStatus()).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(r.getJobId()).isEqualTo("j");
        assertThat(r.getWorkerId()).isEqualTo("w-1");
        assertThat(r.getMetadata()).containsEntry("m", "v");
        assertThat(r.getNfe()).isEqualTo(2);
        assertThat(r.getTimings().getQueuedMs()).isEqualTo(2);
        assertThat(r.getTimings().getSamplingMs()).isEqualTo(5);
        assertThat(r.getTimings().getTotalMs()).isGreaterThanOrEqualTo(50);
        assertThat(r.getBatchStats().getMeanBatchRows()).isEqualTo(3.5);
        assertThat(r.getSamplerUsed().getSolver()).isEqualTo("euler");
        assertThat(r.getSamplerUsed().getSteps()).isEqualTo(2);
        assertThat(r.getSamplerUsed().getSchedule()).isNull();
        assertThat(r.getOutputs()).hasSize(2);
        assertThat(r.getOutputs().get(1).getIndex()).isEqualTo(1);
        assertThat(r.getOutputs().get(0).getMediaType()).isEqualTo("image/png");
        assertThat(r.getOutputs().get(0).getShape()).containsExactly(1, 4, 4);
        ByteBuffer png = r.getOutputs().get(0).getData();
        byte[] bytes = new byte[png.remaining()];
        png.get(bytes);
        assertThat(ImageIO.read(new ByteArrayInputStream(bytes)).getWidth()).isEqualTo(4);
    }

    @Test
    void aResultOverTheLimitFailsTheJobWithResultTooLarge() throws Exception {
        Decoded.Valid v = job(64, OutputFormat.RAW_FLOAT32); // 64 x 64 bytes of floats, over a 2 KiB limit
        ResultBuilder.Built b = new ResultBuilder(CODEC, "w-1", 2048).build(succeeded(v.job()), v.ticket(), System.currentTimeMillis());
        assertThat(b.bytes().length).isLessThanOrEqualTo(2048);
        GenerationResult r = CODEC.decode(b.bytes(), GenerationResult.class);
        assertThat(r.getStatus()).isEqualTo(JobStatus.FAILED);
        assertThat(r.getErrorCode()).isEqualTo("RESULT_TOO_LARGE");
        assertThat(r.getErrorMessage()).contains("limits.maxResultBytes=2048").contains("64 samples");
        assertThat(r.getOutputs()).isEmpty();
    }

    @Test
    void aResultByReferenceCarriesEachSamplesUriSizeChecksumAndContentTypeWithEmptyData() throws Exception {
        Decoded.Valid v = job(64, OutputFormat.RAW_FLOAT32); // too large inline at 2 KiB, small by reference
        ResultBuilder builder = new ResultBuilder(CODEC, "w-1", 16_384);
        ResultBuilder.Prepared p = builder.prepare(succeeded(v.job()), v.ticket(), System.currentTimeMillis());
        List<dev.flowline.output.StoredObject> stored = p.samples().stream().map(o -> new dev.flowline.output.StoredObject(
                "k/" + o.index(), "s3://b/k/" + o.index() + ".f32", o.data().length, dev.flowline.output.Digests.sha256Hex(o.data()),
                o.contentType())).toList();

        GenerationResult r = CODEC.decode(builder.byReference(p, stored).bytes(), GenerationResult.class);

        assertThat(p.sampleBytes()).isEqualTo(64 * 64);
        assertThat(r.getStatus()).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(r.getOutputs()).hasSize(64).allSatisfy(o -> {
            assertThat(o.getData().remaining()).isZero();
            assertThat(o.getReference().getUri()).isEqualTo("s3://b/k/" + o.getIndex() + ".f32");
            assertThat(o.getReference().getSizeBytes()).isEqualTo(64);
            assertThat(o.getReference().getSha256()).hasSize(64);
            assertThat(o.getReference().getContentType()).isEqualTo("application/x-float32-le");
            assertThat(o.getShape()).containsExactly(1, 4, 4);
        });
    }

    @Test
    void aStoreFailureEndsTheJobFailedWithOutputStoreErrorAndTheReason() throws Exception {
        Decoded.Valid v = job(2, OutputFormat.PNG);
        ResultBuilder builder = new ResultBuilder(CODEC, "w-1", 1_000_000);
        ResultBuilder.Prepared p = builder.prepare(succeeded(v.job()), v.ticket(), System.currentTimeMillis());

        GenerationResult r = CODEC.decode(builder.storeFailed(p, new java.util.concurrent.CompletionException(
                new IllegalStateException("connection refused (gave up after 4 attempts)"))).bytes(), GenerationResult.class);

        assertThat(r.getStatus()).isEqualTo(JobStatus.FAILED);
        assertThat(r.getErrorCode()).isEqualTo(ResultBuilder.OUTPUT_STORE_ERROR);
        assertThat(r.getErrorMessage()).contains("2 samples").contains("connection refused (gave up after 4 attempts)");
        assertThat(r.getOutputs()).isEmpty();
    }

    @Test
    void aFailedOutcomeKeepsItsCode() throws Exception {
        Decoded.Valid v = job(1, OutputFormat.PNG);
        JobOutcome o = new JobOutcome(v.job(), dev.flowline.batching.JobStatus.EXPIRED, "DEADLINE", "past its deadline", List.of(), 1, 0, 0, 0, 0, 0);
        GenerationResult r = CODEC.decode(new ResultBuilder(CODEC, "w", 1_000_000).build(o, v.ticket(), 0).bytes(), GenerationResult.class);
        assertThat(r.getStatus()).isEqualTo(JobStatus.EXPIRED);
        assertThat(r.getErrorCode()).isEqualTo("DEADLINE");
    }

    @Test
    void garbageBecomesADeadLetterCarryingTheOriginalBytesAndTheReason() throws Exception {
        RequestDecoder d = new RequestDecoder(CODEC, factory, "w-1", 1_000_000);
        byte[] garbage = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
        Decoded.Invalid inv = (Decoded.Invalid) d.decode(REF, garbage);
        assertThat(inv.rejection().errorCode()).isEqualTo("DECODE_BAD_HEADER");
        DeadLetter dl = CODEC.decode(inv.deadLetter(), DeadLetter.class);
        assertThat(dl.getOriginalTopic()).isEqualTo("jobs");
        assertThat(dl.getOriginalOffset()).isEqualTo(5);
        assertThat(dl.getOriginalKey()).isEqualTo("j");
        assertThat(dl.getOriginalValue()).isEqualTo(ByteBuffer.wrap(garbage));
        assertThat(dl.getErrorClass()).isEqualTo("dev.flowline.schema.MessageDecodeException");
        assertThat(dl.getWorkerId()).isEqualTo("w-1");
        assertThat(dl.getJobId()).isNull();
    }

    @Test
    void aDeadLetterTooLargeForKafkaDropsTheOriginalValue() throws Exception {
        RequestDecoder d = new RequestDecoder(CODEC, factory, "w-1", 4096);
        Decoded.Invalid inv = (Decoded.Invalid) d.decode(REF, new byte[10_000]);
        DeadLetter dl = CODEC.decode(inv.deadLetter(), DeadLetter.class);
        assertThat(dl.getOriginalValue()).isNull();
        assertThat(dl.getErrorMessage()).contains("10000 bytes omitted");
    }

    @Test
    void anInvalidRequestNamesTheFieldAndKeepsTheJobId() throws Exception {
        RequestDecoder d = new RequestDecoder(CODEC, factory, "w-1", 1_000_000);
        byte[] bytes = CODEC.encode(GenerationRequest.newBuilder().setJobId("bad-1").setModel("gauss")
                .setSampler(SamplerSpec.newBuilder().setSolver("heun").setSteps(-3).build()).build());
        Decoded.Invalid inv = (Decoded.Invalid) d.decode(REF, bytes);
        assertThat(inv.rejection().errorCode()).isEqualTo("INVALID_FIELD");
        assertThat(inv.rejection().errorMessage()).startsWith("sampler.steps: ");
        assertThat(CODEC.decode(inv.deadLetter(), DeadLetter.class).getJobId()).isEqualTo("bad-1");
    }

    @Test
    void theResultCountsTheJobsDeduplicatedSamples() throws Exception {
        Decoded.Valid v = job(2, OutputFormat.RAW_FLOAT32);
        JobOutcome o = succeeded(v.job());
        JobOutcome shared = new JobOutcome(o.job(), o.status(), null, null, o.samples(), 0, 0, 2, 2, 3.5, 4, 0, 2);
        GenerationResult r = CODEC.decode(new ResultBuilder(CODEC, "w-1", 1_000_000).build(shared, v.ticket(),
                System.currentTimeMillis()).bytes(), GenerationResult.class);
        assertThat(r.getDedupedSamples()).isEqualTo(2);
        GenerationResult alone = CODEC.decode(new ResultBuilder(CODEC, "w-1", 1_000_000).build(o, v.ticket(),
                System.currentTimeMillis()).bytes(), GenerationResult.class);
        assertThat(alone.getDedupedSamples()).isZero();
    }
}
