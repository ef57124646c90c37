package dev.flowline.kafka;

import dev.flowline.avro.BatchStats;
import dev.flowline.avro.GenerationResult;
import dev.flowline.avro.JobStatus;
import dev.flowline.avro.OutputFormat;
import dev.flowline.avro.SampleOutput;
import dev.flowline.avro.Timings;
import dev.flowline.batching.JobOutcome;
import dev.flowline.schema.MessageCodec;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Builds the result record of a finished job: encodes each sample (PNG or raw float32), fills timings and batch
 * statistics, and Avro-encodes it. A result that would exceed {@code maxResultBytes} becomes a FAILED result with
 * code {@value #RESULT_TOO_LARGE} (no outputs) instead of a record the producer or broker would refuse.
 * Pure and thread-safe; CPU work, so run it on a worker thread.
 */
public final class ResultBuilder {
    public static final String RESULT_TOO_LARGE = "RESULT_TOO_LARGE";
    /** The result could not be built or the broker refused it; the job is reported FAILED without outputs. */
    public static final String RESULT_NOT_PUBLISHABLE = "RESULT_NOT_PUBLISHABLE";
    public static final String ENCODING_FAILED = "ENCODING_FAILED";

    private final MessageCodec codec;
    private final String workerId;
    private final int maxResultBytes;

    /** A result and its encoded bytes. */
    public record Built(GenerationResult result, byte[] bytes) {}

    public ResultBuilder(MessageCodec codec, String workerId, int maxResultBytes) {
        this.codec = codec;
        this.workerId = workerId;
        this.maxResultBytes = maxResultBytes;
    }

    public Built build(JobOutcome outcome, JobTicket ticket, long nowMillis) {
        GenerationResult r = base(outcome, ticket, nowMillis);
        r.setStatus(JobStatus.valueOf(outcome.status().name()));
        r.setErrorCode(outcome.errorCode());
        r.setErrorMessage(outcome.errorMessage());
        if (outcome.status() == dev.flowline.batching.JobStatus.SUCCEEDED) {
            try {
                r.setOutputs(encodeSamples(outcome.samples(), ticket));
            } catch (RuntimeException e) {
                return failed(r, ENCODING_FAILED, "encoding the samples as " + ticket.format() + " failed: " + e.getMessage());
            }
        }
        byte[] bytes = codec.encode(r);
        if (bytes.length > maxResultBytes) {
            return failed(r, RESULT_TOO_LARGE, "the result is " + bytes.length + " bytes, more than limits.maxResultBytes="
                    + maxResultBytes + " (" + ticket.numSamples() + " samples of shape " + Arrays.toString(ticket.shape())
                    + " as " + ticket.format() + "); ask for fewer samples per job"
                    + (ticket.format() == OutputFormat.RAW_FLOAT32 ? " or PNG output" : ""));
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

    private static List<SampleOutput> encodeSamples(List<float[]> samples, JobTicket t) {
        List<SampleOutput> out = new ArrayList<>(samples.size());
        List<Integer> shape = Arrays.stream(t.shape()).boxed().toList();
        for (int i = 0; i < samples.size(); i++) {
            float[] v = samples.get(i);
            byte[] data;
            String media;
            if (t.format() == OutputFormat.PNG) {
                data = OutputEncoder.png(v, t.image(), t.valueLow(), t.valueHigh());
                media = OutputEncoder.MEDIA_PNG;
            } else {
                data = OutputEncoder.rawFloat32(v);
                media = OutputEncoder.MEDIA_RAW;
            }
            out.add(SampleOutput.newBuilder().setIndex(i).setData(ByteBuffer.wrap(data)).setMediaType(media).setShape(shape).build());
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
                .setBatchStats(BatchStats.newBuilder().setModelCalls(o.modelCalls()).setMeanBatchRows(o.meanBatchRows())
                        .setMaxBatchRows(o.maxBatchRows()).build())
                .setWorkerId(workerId)
                .setCompletedAt(Instant.ofEpochMilli(nowMillis))
                .setMetadata(t.metadata())
                .build();
    }
}
