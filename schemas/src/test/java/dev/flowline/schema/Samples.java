package dev.flowline.schema;

import dev.flowline.avro.BatchGroupStats;
import dev.flowline.avro.BatchInterval;
import dev.flowline.avro.BatchStats;
import dev.flowline.avro.Conditioning;
import dev.flowline.avro.ControlAction;
import dev.flowline.avro.ControlCommand;
import dev.flowline.avro.DeadLetter;
import dev.flowline.avro.GenerationRequest;
import dev.flowline.avro.GenerationResult;
import dev.flowline.avro.GroupCostCurve;
import dev.flowline.avro.GuidanceInterval;
import dev.flowline.avro.InitImage;
import dev.flowline.avro.JobCompleted;
import dev.flowline.avro.JobStatus;
import dev.flowline.avro.OutputFormat;
import dev.flowline.avro.ProgressEvent;
import dev.flowline.avro.OutputReference;
import dev.flowline.avro.Preview;
import dev.flowline.avro.SampleOutput;
import dev.flowline.avro.SamplerSpec;
import dev.flowline.avro.SamplerUsed;
import dev.flowline.avro.TelemetryEvent;
import dev.flowline.avro.Timings;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;

/**
 * One record per message type with every field away from its default, and variants that take the other
 * branch of every optional union. Values include non-ASCII text, negative numbers and all byte values.
 */
final class Samples {

    private Samples() {
    }

    /** A named sample, so parameterised test names say which record failed. */
    record Sample(String name, SpecificRecord record) {
        @Override
        public String toString() {
            return name;
        }
    }

    static List<Sample> all() {
        return List.of(
                new Sample("GenerationRequest full", fullRequest()),
                new Sample("GenerationRequest empty optionals", requestWithNulls()),
                new Sample("GenerationRequest unconditional", unconditionalRequest()),
                new Sample("GenerationResult failed", failedResult()),
                new Sample("GenerationResult succeeded", succeededResult()),
                new Sample("GenerationResult by reference", referencedResult()),
                new Sample("TelemetryEvent batch interval", telemetryBatch()),
                new Sample("TelemetryEvent job completed", telemetryJob()),
                new Sample("ProgressEvent", progress()),
                new Sample("DeadLetter full", deadLetter()),
                new Sample("DeadLetter nulls", deadLetterWithNulls()),
                new Sample("ControlCommand with reason", control()),
                new Sample("ControlCommand no reason", ControlCommand.newBuilder().setJobId("job-7")
                        .setAction(ControlAction.CANCEL).build()));
    }

    static GenerationRequest fullRequest() {
        return GenerationRequest.newBuilder()
                .setJobId("job-42")
                .setModel("mnist-cfm")
                .setNumSamples(3)
                .setConditioning(Conditioning.newBuilder().setClassLabel(7).setVector(List.of(0.5f, -1.25f, 3e-8f)).build())
                .setSampler(SamplerSpec.newBuilder()
                        .setSolver("dopri5")
                        .setSteps(24)
                        .setNfeBudget(60)
                        .setSchedule("shifted")
                        .setScheduleParams(ordered("shift", 3.0))
                        .setTimes(List.of(0.0, 0.25, 0.7, 1.0))
                        .setGuidanceScale(2.5)
                        .setGuidanceInterval(GuidanceInterval.newBuilder().setStart(0.1).setEnd(0.9).build())
                        .setStochasticity(0.3)
                        .setSolverParams(ordered("rtol", 1e-4, "atol", 1e-6))
                        .setMinSteps(4)
                        .setMaxSteps(32)
                        .setTier("fast")
                        .build())
                .setSeed(-1_234_567_890_123L)
                .setPriority(-5)
                .setDeadline(Instant.ofEpochMilli(1_790_000_000_123L))
                .setOutputFormat(OutputFormat.RAW_FLOAT32)
                .setProgress(true)
                .setPreviewEvery(4)
                .setInitImage(InitImage.newBuilder().setData(allBytes()).setStrength(0.6).build())
                .setMetadata(ordered("client", "demo", "ünï", "✓ 中文 🚀"))
                .build();
    }

    /** Conditioning present but both of its unions null; every sampler union null. */
    static GenerationRequest requestWithNulls() {
        return GenerationRequest.newBuilder()
                .setJobId("")
                .setModel("m")
                .setConditioning(Conditioning.newBuilder().setClassLabel(null).setVector(null).build())
                .setSampler(SamplerSpec.newBuilder().setTimes(null).build())
                .setDeadline(null)
                .build();
    }

    static GenerationRequest unconditionalRequest() {
        return GenerationRequest.newBuilder().setJobId("job-u").setModel("m").setConditioning(null)
                .setSampler(SamplerSpec.newBuilder().setSolver("euler").setSteps(1).build()).build();
    }

    static GenerationResult failedResult() {
        byte[] allByteValues = new byte[256];
        for (int i = 0; i < 256; i++) {
            allByteValues[i] = (byte) i;
        }
        return GenerationResult.newBuilder()
                .setJobId("job-42")
                .setStatus(JobStatus.FAILED)
                .setErrorCode("MODEL_ERROR")
                .setErrorMessage("the model threw: ∞")
                .setModel("mnist-cfm")
                .setOutputs(List.of(
                        SampleOutput.newBuilder().setIndex(0).setData(ByteBuffer.wrap(allByteValues))
                                .setMediaType("application/x-float32-le").setShape(List.of(1, 16, 16))
                                .setReference(reference("s3://b/p/mnist-cfm/job-42/0.f32", 256)).build(),
                        SampleOutput.newBuilder().setIndex(2).setData(ByteBuffer.wrap(new byte[0]))
                                .setMediaType("image/png").setShape(List.of())
                                .setReference(reference("s3://b/p/mnist-cfm/job-42/2.png", 0)).build()))
                .setTimings(Timings.newBuilder().setQueuedMs(5).setSamplingMs(1200).setTotalMs(1300).build())
                .setNfe(48)
                .setBatchStats(BatchStats.newBuilder().setModelCalls(24).setMeanBatchRows(17.5).setMaxBatchRows(32)
                        .setDecodeCalls(3).build())
                .setSamplerUsed(SamplerUsed.newBuilder().setSolver("bespoke").setSteps(2).setSchedule("bespoke-midpoint-2").build())
                .setDedupedSamples(2)
                .setWorkerId("worker-1")
                .setCompletedAt(Instant.ofEpochMilli(1_790_000_001_000L))
                .setMetadata(ordered("client", "demo"))
                .build();
    }

    static GenerationResult succeededResult() {
        return GenerationResult.newBuilder()
                .setJobId("job-43")
                .setStatus(JobStatus.SUCCEEDED)
                .setErrorCode(null)
                .setErrorMessage(null)
                .setTimings(Timings.newBuilder().build())
                .setBatchStats(BatchStats.newBuilder().build())
                .build();
    }

    private static OutputReference reference(String uri, long size) {
        return OutputReference.newBuilder().setUri(uri).setSizeBytes(size).setSha256("0f".repeat(32))
                .setContentType(uri.endsWith(".png") ? "image/png" : "application/x-float32-le").build();
    }

    /** A v2 result whose sample lives in an object store (claim check): empty data, a reference. */
    static GenerationResult referencedResult() {
        return GenerationResult.newBuilder()
                .setJobId("job-44")
                .setStatus(JobStatus.SUCCEEDED)
                .setModel("fashion-mnist")
                .setOutputs(List.of(SampleOutput.newBuilder().setIndex(0).setData(ByteBuffer.wrap(new byte[0]))
                        .setMediaType("image/png").setShape(List.of(1, 28, 28))
                        .setReference(OutputReference.newBuilder().setUri("s3://bucket/flowline/fashion-mnist/job-44/0.png")
                                .setSizeBytes(1234).setSha256("ab".repeat(32)).setContentType("image/png").build())
                        .build()))
                .setTimings(Timings.newBuilder().build())
                .setBatchStats(BatchStats.newBuilder().build())
                .build();
    }

    static TelemetryEvent telemetryBatch() {
        return TelemetryEvent.newBuilder()
                .setWorkerId("worker-1")
                .setTimestamp(Instant.ofEpochMilli(1_790_000_002_000L))
                .setEvent(BatchInterval.newBuilder()
                        .setIntervalStart(Instant.ofEpochMilli(1_790_000_001_000L))
                        .setIntervalEnd(Instant.ofEpochMilli(1_790_000_002_000L))
                        .setQueuedJobs(4)
                        .setActiveSamples(12)
                        .setDedupedRows(-7)
                        .setGroups(List.of(
                                BatchGroupStats.newBuilder().setGroupKey("mnist|1x28x28|f32").setModelCalls(10)
                                        .setRows(3_000_000_000L).setMaxRows(64).setModelMs(12.5).setWaitMs(0.25).build(),
                                BatchGroupStats.newBuilder().setGroupKey("cifar").setModelCalls(1)
                                        .setRows(1).setMaxRows(1).setModelMs(0.0).setWaitMs(-0.0).build()))
                        .setCostCurves(List.of(GroupCostCurve.newBuilder().setGroupKey("mnist|1x28x28|f32").setKind("decode")
                                .setCostPerCallUs(3000).setCostPerRowUs(30.5).setTargetRows(96).build()))
                        .build())
                .build();
    }

    static TelemetryEvent telemetryJob() {
        return TelemetryEvent.newBuilder()
                .setWorkerId("worker-2")
                .setTimestamp(Instant.ofEpochMilli(0))
                .setEvent(JobCompleted.newBuilder().setJobId("job-42").setModel("mnist-cfm").setStatus(JobStatus.EXPIRED)
                        .setErrorCode("DEADLINE").setSamples(3).setNfe(48).setQueuedMs(1).setSamplingMs(2)
                        .setTotalMs(Long.MAX_VALUE).setMeanBatchRows(Double.MIN_VALUE).build())
                .build();
    }

    static ProgressEvent progress() {
        return ProgressEvent.newBuilder().setJobId("job-42").setWorkerId("worker-1")
                .setTimestamp(Instant.ofEpochMilli(-1_000L)).setStep(12).setTotalSteps(24)
                .setSamplesDone(1).setNumSamples(3).setDecodeCalls(2)
                .setPreview(Preview.newBuilder().setSampleIndex(1).setT(0.5).setPng(allBytes()).build()).build();
    }

    static DeadLetter deadLetter() {
        return DeadLetter.newBuilder()
                .setOriginalTopic("flowline.jobs")
                .setOriginalPartition(3)
                .setOriginalOffset(9_876_543_210L)
                .setOriginalKey("job-42")
                .setOriginalValue(ByteBuffer.wrap(new byte[] {(byte) 0xC3, 0x01, 0, (byte) 0xFF}))
                .setJobId("job-42")
                .setErrorCode("DECODE_TRUNCATED")
                .setErrorClass("dev.flowline.schema.MessageDecodeException")
                .setErrorMessage("TRUNCATED: body ends early")
                .setWorkerId("worker-1")
                .setTimestamp(Instant.ofEpochMilli(1_790_000_003_000L))
                .build();
    }

    static DeadLetter deadLetterWithNulls() {
        return DeadLetter.newBuilder(deadLetter()).setOriginalKey(null).setOriginalValue(null).setJobId(null).build();
    }

    static ControlCommand control() {
        return ControlCommand.newBuilder().setJobId("job-42").setAction(ControlAction.CANCEL).setReason("user asked").build();
    }

    /** Every byte value once, as a buffer. */
    static ByteBuffer allBytes() {
        byte[] all = new byte[256];
        for (int i = 0; i < all.length; i++) {
            all[i] = (byte) i;
        }
        return ByteBuffer.wrap(all);
    }

    /** Insertion-ordered map from alternating keys and values, so JSON and failure output are stable. */
    @SuppressWarnings("unchecked")
    static <V> Map<String, V> ordered(Object... keysAndValues) {
        Map<String, V> map = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            map.put((String) keysAndValues[i], (V) keysAndValues[i + 1]);
        }
        return map;
    }
}
