package dev.flowline.schema;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.flowline.avro.ControlCommand;
import dev.flowline.avro.GenerationRequest;
import dev.flowline.avro.ProgressEvent;
import dev.flowline.avro.TelemetryEvent;
import dev.flowline.schema.MessageDecodeException.Reason;
import dev.flowline.schema.Samples.Sample;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every way a byte array can fail to be a message ends in a MessageDecodeException with the right reason. */
class MalformedMessageTest {

    private final MessageCodec codec = MessageCodec.standard();

    static List<Sample> samples() {
        return Samples.all();
    }

    @Test
    void nullAndEmptyAreEmpty() {
        assertThat(failure(null, GenerationRequest.class).reason()).isEqualTo(Reason.EMPTY);
        assertThat(failure(new byte[0], GenerationRequest.class).reason()).isEqualTo(Reason.EMPTY);
    }

    @Test
    void textAndRandomBytesHaveABadHeader() {
        byte[] random = new byte[64];
        new Random(7).nextBytes(random);
        random[0] = 0x7b;

        MessageDecodeException text = failure("{\"jobId\": \"j\"}".getBytes(), GenerationRequest.class);

        assertThat(text.reason()).isEqualTo(Reason.BAD_HEADER);
        assertThat(text).hasMessageContaining("7B 22").hasMessageContaining("C3 01");
        assertThat(failure(random, GenerationRequest.class).reason()).isEqualTo(Reason.BAD_HEADER);
    }

    @Test
    void aHeaderWithoutABodyIsTruncated() {
        byte[] headerOnly = Arrays.copyOf(codec.encode(Samples.fullRequest()), MessageCodec.HEADER_LENGTH);

        assertThat(failure(headerOnly, GenerationRequest.class).reason()).isEqualTo(Reason.TRUNCATED);
    }

    /** Avro's binary encoding is prefix-free: no strict prefix of a message is itself a message. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("samples")
    void everyPrefixFailsWithTheReasonItsLengthImplies(Sample sample) {
        byte[] bytes = codec.encode(sample.record());
        for (int length = 0; length < bytes.length; length++) {
            Reason expected = length == 0 ? Reason.EMPTY
                    : length < MessageCodec.HEADER_LENGTH ? Reason.BAD_HEADER : Reason.TRUNCATED;

            MessageDecodeException e = failure(Arrays.copyOf(bytes, length), sample.record().getClass());

            assertThat(e.reason()).as("prefix of %d of %d bytes: %s", length, bytes.length, e.getMessage())
                    .isEqualTo(expected);
        }
    }

    @Test
    void anUnknownFingerprintIsShownInHex() {
        byte[] bytes = codec.encode(Samples.fullRequest());
        ByteBuffer.wrap(bytes, 2, 8).order(ByteOrder.LITTLE_ENDIAN).putLong(0x0123456789abcdefL);

        MessageDecodeException e = failure(bytes, GenerationRequest.class);

        assertThat(e.reason()).isEqualTo(Reason.UNKNOWN_SCHEMA);
        assertThat(e).hasMessageContaining("0123456789abcdef");
    }

    @Test
    void aTelemetryEventIsNotAGenerationRequest() {
        MessageDecodeException e = failure(codec.encode(Samples.telemetryJob()), GenerationRequest.class);

        assertThat(e.reason()).isEqualTo(Reason.WRONG_TYPE);
        assertThat(e).hasMessageContaining("dev.flowline.avro.TelemetryEvent")
                .hasMessageContaining("dev.flowline.avro.GenerationRequest");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("samples")
    void bytesAfterACompleteBodyAreRefused(Sample sample) {
        byte[] valid = codec.encode(sample.record());
        byte[] longer = Arrays.copyOf(valid, valid.length + 3);

        MessageDecodeException e = failure(longer, sample.record().getClass());

        assertThat(e.reason()).isEqualTo(Reason.TRAILING_BYTES);
        assertThat(e).hasMessageContaining("3 bytes follow");
    }

    /**
     * A corrupt array count must be refused before anything is allocated for it: in a JVM with a large heap
     * Avro would otherwise reserve gigabytes for one poison record.
     */
    @Test
    @Timeout(value = 5, unit = TimeUnit.SECONDS)
    void aHugeArrayCountIsCorruptAndAllocatesNothing() {
        for (long count : new long[] {Integer.MAX_VALUE, 1L << 40, Long.MAX_VALUE}) {
            byte[] bytes = requestWithVectorCount(count);

            MessageDecodeException e = failure(bytes, GenerationRequest.class);

            assertThat(e.reason()).as("count %d", count).isEqualTo(Reason.CORRUPT);
            assertThat(e).hasMessageContaining("conditioning.vector");
        }
    }

    @Test
    void anArrayCountBeyondTheRemainingBytesIsTruncated() {
        MessageDecodeException e = failure(requestWithVectorCount(1000), GenerationRequest.class);

        assertThat(e.reason()).isEqualTo(Reason.TRUNCATED);
        assertThat(e).hasMessageContaining("declares 1000 items");
    }

    @Test
    void aNegativeStringLengthIsCorrupt() {
        byte[] bytes = codec.encode(Samples.fullRequest());
        assertThat(bytes[10]).as("jobId length, zig-zag").isEqualTo((byte) (2 * "job-42".length()));
        bytes[10] = 0x01; // zig-zag -1

        MessageDecodeException e = failure(bytes, GenerationRequest.class);

        assertThat(e.reason()).isEqualTo(Reason.CORRUPT);
        assertThat(e).hasMessageContaining("negative string length -1 in field jobId");
    }

    @Test
    void invalidUtf8IsCorruptRatherThanSilentlyReplaced() {
        byte[] bytes = codec.encode(Samples.fullRequest());
        bytes[11] = (byte) 0xFF; // first byte of jobId

        MessageDecodeException e = failure(bytes, GenerationRequest.class);

        assertThat(e.reason()).isEqualTo(Reason.CORRUPT);
        assertThat(e).hasMessageContaining("not valid UTF-8 in field jobId");
    }

    @Test
    void aUnionBranchOutOfRangeIsCorrupt() {
        byte[] bytes = codec.encode(Samples.fullRequest());
        int conditioning = 10 + 1 + "job-42".length() + 1 + "mnist-cfm".length() + 1; // jobId, model, numSamples
        assertThat(bytes[conditioning]).as("conditioning union index 1, zig-zag").isEqualTo((byte) 2);
        bytes[conditioning] = 6; // index 3 of a two-branch union

        MessageDecodeException e = failure(bytes, GenerationRequest.class);

        assertThat(e.reason()).isEqualTo(Reason.CORRUPT);
        assertThat(e).hasMessageContaining("union branch index 3 out of range [0, 2) in field conditioning");
    }

    /**
     * The request ends with outputFormat (enum index), progress (boolean), previewEvery and initImage (here null
     * union branches) and metadata (here an empty map).
     */
    @Test
    void anEnumIndexOutOfRangeOrABooleanOtherThan0Or1IsCorrupt() {
        GenerationRequest request = GenerationRequest.newBuilder(Samples.fullRequest()).setPreviewEvery(null).setInitImage(null)
                .setMetadata(java.util.Map.of()).build();
        byte[] valid = codec.encode(request);
        int n = valid.length;
        assertThat(Arrays.copyOfRange(valid, n - 5, n)).containsExactly(2, 1, 0, 0, 0);

        byte[] badEnum = valid.clone();
        badEnum[n - 5] = 8;
        byte[] badBoolean = valid.clone();
        badBoolean[n - 4] = 2;

        assertThat(failure(badEnum, GenerationRequest.class))
                .hasMessageContaining("enum symbol index 4 out of range [0, 2) in field outputFormat")
                .extracting(MessageDecodeException::reason).isEqualTo(Reason.CORRUPT);
        assertThat(failure(badBoolean, GenerationRequest.class))
                .hasMessageContaining("boolean byte is 2").hasMessageContaining("in field progress")
                .extracting(MessageDecodeException::reason).isEqualTo(Reason.CORRUPT);
    }

    @Test
    void aLongLongerThanTenBytesOrAnIntLongerThanFiveIsCorrupt() throws IOException {
        byte[] elevenByteVarint = new byte[11];
        Arrays.fill(elevenByteVarint, 0, 10, (byte) 0xFF);
        elevenByteVarint[10] = 0x01;
        ByteArrayOutputStream progress = new ByteArrayOutputStream();
        progress.write(new byte[] {2, 'j', 2, 'w'}); // jobId, workerId
        progress.write(elevenByteVarint);            // timestamp
        ByteArrayOutputStream control = new ByteArrayOutputStream();
        control.write(new byte[] {2, 'j'});          // jobId
        control.write(elevenByteVarint, 4, 7);       // action: a six-byte varint where an int takes five at most

        MessageDecodeException longFailure = failure(message(ProgressEvent.getClassSchema(), progress.toByteArray()), ProgressEvent.class);
        MessageDecodeException intFailure = failure(message(ControlCommand.getClassSchema(), control.toByteArray()), ControlCommand.class);

        assertThat(longFailure.reason()).isEqualTo(Reason.CORRUPT);
        assertThat(longFailure).hasMessageContaining("longer than 10 bytes in field timestamp");
        assertThat(intFailure.reason()).isEqualTo(Reason.CORRUPT);
        assertThat(intFailure).hasMessageContaining("longer than 5 bytes in field action");
    }

    @Test
    void aClassThatIsNotAGeneratedRecordIsAProgrammingError() {
        byte[] bytes = codec.encode(Samples.fullRequest());

        assertThatThrownBy(() -> codec.decode(bytes, SpecificRecord.class))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not a generated Avro record class");
    }

    @Test
    void failuresNameADeadLetterCode() {
        assertThat(failure(new byte[] {1, 2, 3}, TelemetryEvent.class).reason().errorCode()).isEqualTo("DECODE_BAD_HEADER");
    }

    /** A request whose conditioning vector declares {@code count} floats and holds one. */
    private static byte[] requestWithVectorCount(long count) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        BinaryEncoder out = EncoderFactory.get().binaryEncoder(body, null);
        try {
            out.writeString("job");
            out.writeString("model");
            out.writeInt(1);    // numSamples
            out.writeIndex(1);  // conditioning present
            out.writeIndex(0);  // classLabel null
            out.writeIndex(1);  // vector present
            out.writeLong(count);
            out.writeFloat(1f);
            out.flush();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        return message(GenerationRequest.getClassSchema(), body.toByteArray());
    }

    static byte[] message(Schema writer, byte[] body) {
        ByteBuffer message = ByteBuffer.allocate(MessageCodec.HEADER_LENGTH + body.length).order(ByteOrder.LITTLE_ENDIAN);
        message.put((byte) 0xC3).put((byte) 0x01).putLong(SchemaNormalization.parsingFingerprint64(writer)).put(body);
        return message.array();
    }

    private MessageDecodeException failure(byte[] bytes, Class<? extends SpecificRecord> type) {
        MessageDecodeException e = catchThrowableOfType(MessageDecodeException.class, () -> codec.decode(bytes, type));
        assertThat(e).as("decoding must fail").isNotNull();
        return e;
    }
}
