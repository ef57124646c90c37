package dev.flowline.kafka;

import dev.flowline.avro.BatchStats;
import dev.flowline.avro.GenerationResult;
import dev.flowline.avro.JobStatus;
import dev.flowline.avro.OutputFormat;
import dev.flowline.avro.OutputReference;
import dev.flowline.avro.SampleOutput;
import dev.flowline.avro.Timings;
import dev.flowline.batching.JobOutcome;
import dev.flowline.output.OutputObject;
import dev.flowline.output.StoredObject;
import dev.flowline.schema.MessageCodec;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Builds the result record of a finished job in two steps: {@link #prepare} encodes each sample (PNG or raw float32)
 * and fills timings and batch statistics (CPU work: a worker thread); then the samples are placed, either inside the
 * record ({@link #inline}) or as references to objects already written to the output store ({@link #byReference}),
 * or the job fails because the store could not take them ({@link #storeFailed}, code {@value #OUTPUT_STORE_ERROR}).
 * A result that would exceed {@code maxResultBytes} becomes a FAILED result with code {@value #RESULT_TOO_LARGE}
 * (no outputs) instead of a record the producer or broker would refuse. Pure and thread-safe.
 */
public final class ResultBuilder {
    public static final String RESULT_TOO_LARGE = "RESULT_TOO_LARGE";
    /** The result could not be built or the broker refused it; the job is reported FAILED without outputs. */
    public static final String RESULT_NOT_PUBLISHABLE = "RESULT_NOT_PUBLISHABLE";
    public static final String ENCODING_FAILED = "ENCODING_FAILED";
    /** The samples were to go by reference and the output store did not take them (after the retries). */
    public static final String OUTPUT_STORE_ERROR = "OUTPUT_STORE_ERROR";

    private final MessageCodec codec;
    private final String workerId;
    private final int maxResultBytes;

    /** A result and its encoded bytes. */
    public record Built(GenerationResult result, byte[] bytes) {}

    /**
     * A result whose samples are encoded but not yet placed: the record (status, error, timings; no outputs), the
     * encoded samples (empty unless SUCCEEDED), or why encoding failed.
     */
    public record Prepared(GenerationResult result, List<OutputObject> samples, List<Integer> shape, JobTicket ticket,
                           String encodingError) {
        /** Encoded bytes of every sample together: what {@code outputs.inlineMaxBytes} is compared with. */
        public long sampleBytes() {
            return samples.stream().mapToLong(o -> o.data().length).sum();
        }
    }

    public ResultBuilder(MessageCodec codec, String workerId, int maxResultBytes) {
        this.codec = codec;
        this.workerId = workerId;
        this.maxResultBytes = maxResultBytes;
    }

    /** The whole result with its samples inline (no output store). */
    public Built build(JobOutcome outcome, JobTicket ticket, long nowMillis) {
        return inline(prepare(outcome, ticket, nowMillis));
    }

    public Prepared prepare(JobOutcome outcome, JobTicket ticket, long nowMillis) {
        GenerationResult r = base(outcome, ticket, nowMillis);
        r.setStatus(JobStatus.valueOf(outcome.status().name()));
        r.setErrorCode(outcome.errorCode());
        r.setErrorMessage(outcome.errorMessage());
        List<Integer> shape = Arrays.stream(ticket.shape()).boxed().toList();
        if (outcome.status() != dev.flowline.batching.JobStatus.SUCCEEDED) return new Prepared(r, List.of(), shape, ticket, null);
        try {
            return new Prepared(r, encodeSamples(outcome.samples(), ticket), shape, ticket, null);
        } catch (RuntimeException e) {
            return new Prepared(r, List.of(), shape, ticket, "encoding the samples as " + ticket.format() + " failed: " + e.getMessage());
        }
    }

    /** The samples inside the record. */
    public Built inline(Prepared p) {
        GenerationResult r = p.result();
        if (p.encodingError() != null) return failed(r, ENCODING_FAILED, p.encodingError());
        List<SampleOutput> outputs = new ArrayList<>(p.samples().size());
        for (OutputObject o : p.samples()) {
            outputs.add(SampleOutput.newBuilder().setIndex(o.index()).setData(ByteBuffer.wrap(o.data())).setMediaType(o.contentType())
                    .setShape(p.shape()).build());
        }
        r.setOutputs(outputs);
        return sized(r, p.ticket());
    }

    /** The samples as references to objects written and verified in the output store (same order as {@code p.samples()}). */
    public Built byReference(Prepared p, List<StoredObject> stored) {
        GenerationResult r = p.result();
        List<SampleOutput> outputs = new ArrayList<>(stored.size());
        for (int i = 0; i < stored.size(); i++) {
            OutputObject o = p.samples().get(i);
            StoredObject s = stored.get(i);
            outputs.add(SampleOutput.newBuilder().setIndex(o.index()).setData(ByteBuffer.allocate(0)).setMediaType(o.contentType())
                    .setShape(p.shape()).setReference(OutputReference.newBuilder().setUri(s.uri()).setSizeBytes(s.sizeBytes())
                            .setSha256(s.sha256()).setContentType(s.contentType()).build()).build());
        }
        r.setOutputs(outputs);
        return sized(r, p.ticket());
    }

    /** The output store did not take the samples: FAILED, {@value #OUTPUT_STORE_ERROR}, with the store's reason. */
    public Built storeFailed(Prepared p, Throwable cause) {
        Throwable c = cause;
        while (c instanceof java.util.concurrent.CompletionException && c.getCause() != null) c = c.getCause();
        return failed(p.result(), OUTPUT_STORE_ERROR, Rejection.abbreviate("the output store did not take the "
                + p.samples().size() + " samples (" + p.sampleBytes() + " bytes): " + c.getMessage(), Rejection.MAX_MESSAGE_CHARS));
    }

    private Built sized(GenerationResult r, JobTicket ticket) {
        byte[] bytes = codec.encode(r);
        if (bytes.length > maxResultBytes) {
            return failed(r, RESULT_TOO_LARGE, "the result is " + bytes.length + " bytes, more than limits.maxResultBytes="
                    + maxResultBytes + " (" + ticket.numSamples() + " samples of shape " + Arrays.toString(ticket.shape())
                    + " as " + ticket.format() + "); ask for fewer samples per job"
                    + (ticket.format() == OutputFormat.RAW_FLOAT32 ? " or PNG output" : "") + ", or set outputs.store=s3");
        }
        return new Built(r, bytes);
    }

    /** A FAILED result without outputs or metadata, for a job whose result could not be built or published. */
    public Built unpublishable(JobTicket ticket, Throwable cause, long nowMillis) {
        GenerationResult r = GenerationResult.newBuilder()
                .setJobId(ticket.jobId()).setStatus(JobStatus.FAILED).setModel(ticket.model()).setOutputs(List.of())
                .setTimings(Timings.newBuilder().setQueuedMs(0).setSamplingMs(0).setTotalMs(0).build())
                .setBatchStats(BatchStats.newBuilder().setModelCalls(0).setMeanBatchRows(0).setMaxBatchRows(0).build())
                .setWorkerId(workerId).setCompletedAt(Instant.ofEpochMilli(nowMillis)).setMetadata(java.util.Map.of())
                .setSamplerUsed(ticket.sampler().toAvro())
                .setErrorCode(RESULT_NOT_PUBLISHABLE)
                .setErrorMessage(Rejection.abbreviate("the result could not be published: " + cause, Rejection.MAX_MESSAGE_CHARS))
                .build();
        return new Built(r, codec.encode(r));
    }

    private Built failed(GenerationResult r, String code, String message) {
        r.setStatus(JobStatus.FAILED);
        r.setErrorCode(code);
        r.setErrorMessage(message);
        r.setOutputs(List.of());
        byte[] bytes = codec.encode(r);
        if (bytes.length > maxResultBytes) {
            r.setMetadata(java.util.Map.of()); // only echoed metadata can still be large (bounded by limits.maxMetadataBytes)
            bytes = codec.encode(r);
        }
        return new Built(r, bytes);
    }

    private static List<OutputObject> encodeSamples(List<float[]> samples, JobTicket t) {
        List<OutputObject> out = new ArrayList<>(samples.size());
        for (int i = 0; i < samples.size(); i++) {
            float[] v = samples.get(i);
            if (t.format() == OutputFormat.PNG) {
                out.add(new OutputObject(i, OutputEncoder.png(v, t.image(), t.valueLow(), t.valueHigh()), OutputEncoder.MEDIA_PNG));
            } else {
                out.add(new OutputObject(i, OutputEncoder.rawFloat32(v), OutputEncoder.MEDIA_RAW));
            }
        }
        return out;
    }

    private GenerationResult base(JobOutcome o, JobTicket t, long nowMillis) {
        long totalMs = Math.max(0, nowMillis - t.record().timestampMillis());
        return GenerationResult.newBuilder()
                .setJobId(t.jobId())
                .setStatus(JobStatus.FAILED)
                .setModel(t.model())
                .setOutputs(List.of())
                .setTimings(Timings.newBuilder().setQueuedMs(o.queuedNanos() / 1_000_000).setSamplingMs(o.samplingNanos() / 1_000_000)
                        .setTotalMs(totalMs).build())
                .setNfe(o.nfe())
                .setDedupedSamples(o.dedupedSamples())
                .setBatchStats(BatchStats.newBuilder().setModelCalls(o.modelCalls()).setMeanBatchRows(o.meanBatchRows())
                        .setMaxBatchRows(o.maxBatchRows()).setDecodeCalls(o.decodeCalls()).build())
                .setWorkerId(workerId)
                .setCompletedAt(Instant.ofEpochMilli(nowMillis))
                .setMetadata(t.metadata())
                .setSamplerUsed(t.sampler().chosen(o.job().chosen()).toAvro())
                .build();
    }
}
