package dev.flowline.kafka;

import dev.flowline.avro.DeadLetter;
import dev.flowline.avro.GenerationRequest;
import dev.flowline.schema.MessageCodec;
import dev.flowline.schema.MessageDecodeException;

import java.nio.ByteBuffer;
import java.time.Instant;

/**
 * Bytes of a job record → a job ready to offer, or a dead-letter record ready to send. One call, pure and
 * thread-safe: the intake runs it on a worker thread so that no record, however malformed, can stall the
 * consumer or the event loop.
 */
public final class RequestDecoder {
    /** A request that decoded but could not be turned into a job for an unexpected reason (a bug, reported as such). */
    public static final String INVALID_REQUEST = "INVALID_REQUEST";

    private final MessageCodec codec;
    private final JobFactory jobs;
    private final String workerId;
    private final int maxRecordBytes;

    /**
     * @param maxRecordBytes a dead letter larger than this drops the original value (its size is noted in the message)
     */
    public RequestDecoder(MessageCodec codec, JobFactory jobs, String workerId, int maxRecordBytes) {
        this.codec = codec;
        this.jobs = jobs;
        this.workerId = workerId;
        this.maxRecordBytes = maxRecordBytes;
    }

    public Decoded decode(RecordRef ref, byte[] value) {
        GenerationRequest req;
        try {
            req = codec.decode(value, GenerationRequest.class);
        } catch (MessageDecodeException e) {
            return invalid(ref, value, Rejection.of(e.reason().errorCode(), e, null));
        }
        try {
            return jobs.create(req, ref).withValue(value);
        } catch (InvalidJobException e) {
            return invalid(ref, value, Rejection.of(e.errorCode(), e, req.getJobId()));
        } catch (RuntimeException e) {
            return invalid(ref, value, Rejection.of(INVALID_REQUEST, e, req.getJobId()));
        }
    }

    /**
     * A job the scheduler refused because it does not have its model: dead-lettered exactly as intake rejects an
     * unknown model ({@link JobFactory#unknownModel}), with the record's original bytes.
     */
    public Decoded.Invalid unknownModel(Decoded.Valid v) {
        InvalidJobException e = jobs.unknownModel(v.job().model());
        return invalid(v.record(), v.value(), Rejection.of(e.errorCode(), e, v.job().jobId()));
    }

    private Decoded.Invalid invalid(RecordRef ref, byte[] value, Rejection r) {
        return new Decoded.Invalid(ref, r, deadLetter(ref, value, r, System.currentTimeMillis()));
    }

    /** The dead-letter record of a rejected record, encoded; the original value is dropped if it would not fit. */
    public byte[] deadLetter(RecordRef ref, byte[] value, Rejection r, long nowMillis) {
        DeadLetter d = DeadLetter.newBuilder()
                .setOriginalTopic(ref.partition().topic())
                .setOriginalPartition(ref.partition().partition())
                .setOriginalOffset(ref.offset())
                .setOriginalKey(Rejection.abbreviate(ref.key(), Rejection.MAX_ID_CHARS))
                .setOriginalValue(value == null ? null : ByteBuffer.wrap(value))
                .setJobId(r.jobId())
                .setErrorCode(r.errorCode())
                .setErrorClass(r.errorClass())
                .setErrorMessage(r.errorMessage())
                .setWorkerId(workerId)
                .setTimestamp(Instant.ofEpochMilli(nowMillis))
                .build();
        byte[] bytes = codec.encode(d);
        if (bytes.length > maxRecordBytes && value != null) {
            d.setOriginalValue(null);
            d.setErrorMessage(r.errorMessage() + " [original value of " + value.length + " bytes omitted: too large for a dead letter]");
            bytes = codec.encode(d);
        }
        return bytes;
    }
}
