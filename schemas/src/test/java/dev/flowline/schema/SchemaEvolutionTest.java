package dev.flowline.schema;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.flowline.avro.ControlCommand;
import dev.flowline.avro.GenerationRequest;
import dev.flowline.avro.OutputFormat;
import dev.flowline.schema.MessageDecodeException.Reason;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Test;

/**
 * Old and new writers interoperate: a v2 producer (a schema made up here, as a later release would be) and a
 * v1 consumer (the generated classes), in both directions, through real single-object bytes.
 */
class SchemaEvolutionTest {

    private final MessageCodec codec = MessageCodec.standard();

    /** GenerationRequest v2: v1 plus {@code tenant}, a string defaulting to "". */
    private static final Schema REQUEST_V2 = withField(GenerationRequest.getClassSchema(), fields -> {
        fields.add(new Schema.Field("tenant", Schema.create(Schema.Type.STRING), "Who is billed.", ""));
        return fields;
    });

    @Test
    void aV1ReaderReadsAV2MessageOnceV2IsAKnownWriterSchema() throws Exception {
        GenericRecord v2 = asGeneric(Samples.fullRequest(), REQUEST_V2);
        v2.put("tenant", "acme");
        byte[] bytes = MessageCodecTest.toArray(new BinaryMessageEncoder<GenericRecord>(GenericData.get(), REQUEST_V2).encode(v2));

        MessageDecodeException unknown = catchThrowableOfType(MessageDecodeException.class,
                () -> codec.decode(bytes, GenerationRequest.class));
        GenerationRequest decoded = codec.withWriterSchema(REQUEST_V2).decode(bytes, GenerationRequest.class);

        assertThat(unknown.reason()).isEqualTo(Reason.UNKNOWN_SCHEMA);
        assertThat(unknown).hasMessageContaining(String.format("%016x", SchemaNormalization.parsingFingerprint64(REQUEST_V2)));
        assertThat(decoded).isEqualTo(Samples.fullRequest()); // tenant dropped, everything else intact
    }

    @Test
    void aV2ReaderReadsAV1MessageAndFillsTheNewFieldsDefault() throws Exception {
        byte[] v1Bytes = codec.encode(Samples.fullRequest());

        GenericRecord viaStore = new BinaryMessageDecoder<GenericRecord>(GenericData.get(), REQUEST_V2, codec.schemaStore())
                .decode(v1Bytes);
        GenericRecord viaReader = new GenericDatumReader<GenericRecord>(GenerationRequest.getClassSchema(), REQUEST_V2)
                .read(null, DecoderFactory.get().binaryDecoder(v1Bytes, 10, v1Bytes.length - 10, null));

        for (GenericRecord v2 : List.of(viaStore, viaReader)) {
            assertThat(v2.get("tenant")).hasToString("");
            assertThat(v2.get("jobId")).hasToString("job-42");
            assertThat(v2.get("seed")).isEqualTo(-1_234_567_890_123L);
            assertThat(((GenericRecord) v2.get("sampler")).get("steps")).isEqualTo(24);
        }
    }

    /**
     * GenerationResult v2 added an optional {@code reference} per sample (claim check). A consumer built on v1 reads
     * v2 bytes (the reference is dropped, data is empty), and v2 reads v1 bytes with a null reference.
     */
    @Test
    void resultV1ReadersReadV2ReferencesAndV2ReadsV1() throws Exception {
        List<Schema> released = ReleasedSchemas.load().get("GenerationResult");
        Schema v1 = released.get(0);
        Schema v2 = released.get(1);
        Schema newest = dev.flowline.avro.GenerationResult.getClassSchema(); // the codec writes the newest
        byte[] v2Bytes = codec.encode(Samples.referencedResult());

        GenericRecord asV1 = new GenericDatumReader<GenericRecord>(newest, v1)
                .read(null, DecoderFactory.get().binaryDecoder(v2Bytes, 10, v2Bytes.length - 10, null));
        GenericRecord sample = (GenericRecord) ((List<?>) asV1.get("outputs")).get(0);
        assertThat(sample.getSchema().getField("reference")).isNull();
        assertThat(sample.get("mediaType")).hasToString("image/png");
        assertThat(((java.nio.ByteBuffer) sample.get("data")).remaining()).isZero();

        byte[] current = codec.encode(Samples.failedResult());
        GenericRecord downgraded = new GenericDatumReader<GenericRecord>(newest, v1)
                .read(null, DecoderFactory.get().binaryDecoder(current, 10, current.length - 10, null));
        byte[] v1Bytes = MessageCodecTest.toArray(new BinaryMessageEncoder<GenericRecord>(GenericData.get(), v1).encode(downgraded));
        dev.flowline.avro.GenerationResult decoded = codec.decode(v1Bytes, dev.flowline.avro.GenerationResult.class);
        assertThat(decoded.getOutputs()).hasSize(2).allSatisfy(o -> assertThat(o.getReference()).isNull());
        assertThat(decoded.getJobId()).isEqualTo("job-42");
    }

    /**
     * Every released version reads what the newest writes (new fields dropped), and the current classes read what
     * every released version writes (new fields take their defaults): for every sample of every message type.
     */
    @Test
    void everyReleasedVersionReadsTheNewestAndTheNewestReadsEveryVersion() throws Exception {
        Map<String, List<Schema>> released = ReleasedSchemas.load();
        int pairs = 0;
        for (Samples.Sample sample : Samples.all()) {
            List<Schema> versions = released.get(sample.record().getSchema().getName());
            byte[] newest = codec.encode(sample.record());
            for (Schema old : versions.subList(0, versions.size() - 1)) {
                Schema current = sample.record().getSchema();
                GenericRecord asOld = new GenericDatumReader<GenericRecord>(current, old)
                        .read(null, DecoderFactory.get().binaryDecoder(newest, 10, newest.length - 10, null));
                byte[] oldBytes = MessageCodecTest.toArray(new BinaryMessageEncoder<GenericRecord>(GenericData.get(), old).encode(asOld));

                SpecificRecord back = codec.decode(oldBytes, sample.record().getClass());
                for (Schema.Field field : current.getFields()) {
                    Object value = back.get(field.pos());
                    if (old.getField(field.name()) == null) {
                        assertThat(value).as("%s: %s new in a later version", sample, field.name())
                                .isEqualTo(SpecificData.get().getDefaultValue(field));
                    } else if (field.schema().equals(old.getField(field.name()).schema())) {
                        assertThat(value).as("%s: %s", sample, field.name()).isEqualTo(sample.record().get(field.pos()));
                    }
                }
                pairs++;
            }
        }
        assertThat(pairs).as("samples with an older released version").isGreaterThanOrEqualTo(10);
    }

    /** A symbol the reader lacks falls back to the enum's default, which OutputFormat has. */
    @Test
    void aNewOutputFormatSymbolReadsAsTheDefaultPng() throws Exception {
        Schema jpeg = Schema.createEnum("OutputFormat", null, "dev.flowline.avro", List.of("PNG", "RAW_FLOAT32", "JPEG"), "PNG");
        Schema v2 = withFieldSchema(GenerationRequest.getClassSchema(), "outputFormat", jpeg);
        GenericRecord record = asGeneric(Samples.fullRequest(), v2);
        record.put("outputFormat", new GenericData.EnumSymbol(jpeg, "JPEG"));
        byte[] bytes = MessageCodecTest.toArray(new BinaryMessageEncoder<GenericRecord>(GenericData.get(), v2).encode(record));

        GenerationRequest decoded = codec.withWriterSchema(v2).decode(bytes, GenerationRequest.class);

        assertThat(decoded.getOutputFormat()).isEqualTo(OutputFormat.PNG);
    }

    /** ControlAction has no default: a new action is unreadable by an old worker, but only when it is used. */
    @Test
    void aNewControlActionWithoutAnEnumDefaultIsIncompatibleWhereItOccurs() throws Exception {
        Schema actions = Schema.createEnum("ControlAction", null, "dev.flowline.avro", List.of("CANCEL", "PAUSE"));
        Schema v2 = withFieldSchema(ControlCommand.getClassSchema(), "action", actions);
        MessageCodec reader = codec.withWriterSchema(v2);
        GenericRecord pause = asGeneric(Samples.control(), v2);
        pause.put("action", new GenericData.EnumSymbol(actions, "PAUSE"));
        GenericRecord cancel = asGeneric(Samples.control(), v2);
        BinaryMessageEncoder<GenericRecord> encoder = new BinaryMessageEncoder<>(GenericData.get(), v2);

        MessageDecodeException e = catchThrowableOfType(MessageDecodeException.class,
                () -> reader.decode(MessageCodecTest.toArray(encoder.encode(pause)), ControlCommand.class));

        assertThat(e.reason()).isEqualTo(Reason.INCOMPATIBLE);
        assertThat(e).hasMessageContaining("PAUSE");
        assertThat(reader.decode(MessageCodecTest.toArray(encoder.encode(cancel)), ControlCommand.class))
                .isEqualTo(Samples.control());
    }

    @Test
    void withWriterSchemaTakesRecordsOnlyAndToleratesAKnownSchemaAgain() {
        Schema notARecord = Schema.create(Schema.Type.STRING);

        assertThat(catchThrowableOfType(IllegalArgumentException.class, () -> codec.withWriterSchema(notARecord)))
                .hasMessageContaining("record");
        assertThat(codec.withWriterSchema(GenerationRequest.getClassSchema())).isNotNull(); // same schema again: fine
    }

    /** The record's values as a generic record of {@code schema}, via the v1 bytes and Avro's resolution. */
    private GenericRecord asGeneric(org.apache.avro.specific.SpecificRecord record, Schema schema) throws Exception {
        byte[] bytes = codec.encode(record);
        return new GenericDatumReader<GenericRecord>(record.getSchema(), schema)
                .read(null, DecoderFactory.get().binaryDecoder(bytes, 10, bytes.length - 10, null));
    }

    private static Schema withField(Schema record, UnaryOperator<List<Schema.Field>> edit) {
        List<Schema.Field> fields = new ArrayList<>();
        for (Schema.Field field : record.getFields()) {
            fields.add(new Schema.Field(field, field.schema()));
        }
        return Schema.createRecord(record.getName(), record.getDoc(), record.getNamespace(), false, edit.apply(fields));
    }

    private static Schema withFieldSchema(Schema record, String name, Schema replacement) {
        return withField(record, fields -> {
            fields.replaceAll(f -> f.name().equals(name) ? new Schema.Field(f, replacement) : f);
            return fields;
        });
    }
}
