package dev.flowline.schema;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flowline.avro.GenerationRequest;
import dev.flowline.avro.GenerationResult;
import dev.flowline.schema.Samples.Sample;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;
import org.apache.avro.specific.SpecificRecordBase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Round trips of real Avro bytes, and agreement with Avro's own single-object encoder and decoder. */
class MessageCodecTest {

    private final MessageCodec codec = MessageCodec.standard();

    static List<Sample> samples() {
        return Samples.all();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("samples")
    void everySampleSurvivesARoundTrip(Sample sample) throws Exception {
        byte[] bytes = codec.encode(sample.record());

        SpecificRecord decoded = codec.decode(bytes, sample.record().getClass());

        assertThat(decoded).isEqualTo(sample.record()).isNotSameAs(sample.record());
        assertThat(codec.encode(decoded)).isEqualTo(bytes);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("samples")
    void headerIsMarkerThenLittleEndianFingerprintOfTheWriterSchema(Sample sample) {
        byte[] bytes = codec.encode(sample.record());

        long fingerprint = ByteBuffer.wrap(bytes, 2, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertThat(Arrays.copyOf(bytes, 2)).containsExactly(0xC3, 0x01);
        assertThat(fingerprint).isEqualTo(SchemaNormalization.parsingFingerprint64(sample.record().getSchema()));
    }

    /** The codec writes exactly what Avro's BinaryMessageEncoder writes, and Avro reads it back. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("samples")
    void agreesByteForByteWithAvrosSingleObjectEncoding(Sample sample) throws Exception {
        SpecificRecord record = sample.record();
        SpecificData model = SpecificData.getForClass(record.getClass());
        Schema schema = record.getSchema();
        ByteBuffer avros = new BinaryMessageEncoder<SpecificRecord>(model, schema).encode(record);
        byte[] ours = codec.encode(record);

        assertThat(ours).isEqualTo(toArray(avros));
        assertThat(new BinaryMessageDecoder<SpecificRecord>(model, schema).decode(ours)).isEqualTo(record);
        assertThat(codec.decode(toArray(avros), record.getClass())).isEqualTo(record);
    }

    @Test
    void logicalTimestampsAndBytesComeBackAsValuesNotJustEqualObjects() throws Exception {
        GenerationRequest request = codec.decode(codec.encode(Samples.fullRequest()), GenerationRequest.class);
        GenerationResult result = codec.decode(codec.encode(Samples.failedResult()), GenerationResult.class);

        assertThat(request.getDeadline()).isEqualTo(Instant.ofEpochMilli(1_790_000_000_123L));
        assertThat(request.getMetadata()).containsEntry("ünï", "✓ 中文 🚀");
        assertThat(request.getConditioning().getVector()).containsExactly(0.5f, -1.25f, 3e-8f);
        assertThat(result.getCompletedAt()).isEqualTo(Instant.ofEpochMilli(1_790_000_001_000L));
        ByteBuffer data = result.getOutputs().get(0).getData();
        assertThat(data.remaining()).isEqualTo(256);
        for (int i = 0; i < 256; i++) {
            assertThat(data.get(data.position() + i)).isEqualTo((byte) i);
        }
    }

    /** Guards the samples themselves: a field left at its default would make its round trip prove nothing. */
    @Test
    void fullSamplesSetEveryFieldAwayFromItsDefault() {
        for (SpecificRecord record : List.of(Samples.fullRequest(), Samples.failedResult(), Samples.telemetryBatch(),
                Samples.telemetryJob(), Samples.progress(), Samples.deadLetter(), Samples.control())) {
            assertNoDefaults((SpecificRecordBase) record, record.getSchema().getName());
        }
    }

    @Test
    void aRecordMissingARequiredFieldIsRefusedWithTheFieldsName() {
        GenerationRequest incomplete = new GenerationRequest(); // the all-null constructor skips the builder's checks

        assertThatThrownBy(() -> codec.encode(incomplete))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("GenerationRequest").hasMessageContaining("jobId");
    }

    @Test
    void decodesConcurrentlyFromOneSharedCodec() {
        byte[] request = codec.encode(Samples.fullRequest());
        byte[] result = codec.encode(Samples.failedResult());

        long wrong = IntStream.range(0, 4_000).parallel().filter(i -> {
            try {
                return i % 2 == 0
                        ? !codec.decode(request, GenerationRequest.class).equals(Samples.fullRequest())
                        : !codec.decode(result, GenerationResult.class).equals(Samples.failedResult());
            } catch (MessageDecodeException e) {
                return true;
            }
        }).count();

        assertThat(wrong).isZero();
    }

    private static void assertNoDefaults(SpecificRecordBase record, String path) {
        SpecificData model = record.getSpecificData();
        for (Schema.Field field : record.getSchema().getFields()) {
            Object value = record.get(field.pos());
            String where = path + "." + field.name();
            if (field.hasDefaultValue()) {
                assertThat(value).as(where).isNotEqualTo(model.getDefaultValue(field));
            }
            if (value instanceof SpecificRecordBase nested) {
                assertNoDefaults(nested, where);
            } else if (value instanceof List<?> list) {
                list.stream().filter(SpecificRecordBase.class::isInstance)
                        .forEach(item -> assertNoDefaults((SpecificRecordBase) item, where + "[]"));
            }
        }
    }

    static byte[] toArray(ByteBuffer buffer) {
        byte[] bytes = new byte[buffer.remaining()];
        buffer.duplicate().get(bytes);
        return bytes;
    }
}
