package dev.flowline.schema;

import dev.flowline.schema.MessageDecodeException.Reason;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.AvroTypeException;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DatumReader;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.message.SchemaStore;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;

/**
 * Encodes and decodes Flowline messages in Avro's single-object encoding: the marker {@code C3 01}, the
 * 8-byte little-endian CRC-64-AVRO fingerprint of the writer schema's parsing canonical form, then the
 * binary body. The fingerprint says which schema wrote the body, so no schema registry is needed; in
 * exchange every reader must know every writer schema ever released. {@link #standard()} knows those
 * shipped in {@code dev/flowline/schema/released/} plus the schemas the generated classes were built from.
 *
 * <p>Decoding resolves the writer schema to the reader's (Avro schema resolution), so a consumer built
 * against v1 reads what a v2 producer wrote and the other way round, as long as the change was compatible.
 *
 * <p>Instances are immutable and safe to share between threads; {@link #decode} never throws anything but
 * {@link MessageDecodeException} for bad bytes, whatever they hold.
 */
public final class MessageCodec {

    /** Marker (2 bytes) and fingerprint (8 bytes). */
    public static final int HEADER_LENGTH = 10;
    private static final byte MARKER_0 = (byte) 0xC3;
    private static final byte MARKER_1 = (byte) 0x01;

    static {
        AvroTrust.install(); // before any generated class is looked up by name
    }

    /** What the codec needs to know about one generated class; computed once per class. */
    private record Target(Schema schema, long fingerprint, byte[] header, SpecificData model,
                          SpecificDatumWriter<Object> writer) {
        static Target of(Class<?> type) {
            // The class's own model carries its logical-type conversions (timestamp-millis <-> Instant).
            SpecificData model = SpecificData.getForClass(type);
            Schema schema;
            try {
                schema = model.getSchema(type);
            } catch (AvroRuntimeException e) {
                schema = null;
            }
            if (schema == null || schema.getType() != Schema.Type.RECORD) {
                throw new IllegalArgumentException(type.getName() + " is not a generated Avro record class");
            }
            long fingerprint = SchemaNormalization.parsingFingerprint64(schema);
            return new Target(schema, fingerprint, headerFor(fingerprint), model, new SpecificDatumWriter<>(schema, model));
        }
    }

    private static final ClassValue<Target> TARGETS = new ClassValue<>() {
        @Override
        protected Target computeValue(Class<?> type) {
            return Target.of(type);
        }
    };

    private static final class StandardHolder {
        static final MessageCodec INSTANCE = createStandard();
    }

    private record ReaderKey(long writerFingerprint, Class<?> type) {
    }

    /** Fingerprint to writer schema; never changes after construction. */
    private final Map<Long, Schema> writers;
    private final ConcurrentMap<ReaderKey, DatumReader<?>> readers = new ConcurrentHashMap<>();

    private MessageCodec(Map<Long, Schema> writers) {
        this.writers = Map.copyOf(writers);
    }

    /** The codec that knows every released schema and every current one; shared, built on first use. */
    public static MessageCodec standard() {
        return StandardHolder.INSTANCE;
    }

    /**
     * A codec that also accepts messages written with {@code writer}, e.g. a schema released by a newer
     * producer before this reader shipped its file, or one made up by a test.
     *
     * @throws IllegalArgumentException if {@code writer} is not a record, or its fingerprint collides with a
     *     different known schema
     */
    public MessageCodec withWriterSchema(Schema writer) {
        Objects.requireNonNull(writer, "writer");
        if (writer.getType() != Schema.Type.RECORD) {
            throw new IllegalArgumentException("a message schema is a record, not " + writer.getType());
        }
        Map<Long, Schema> more = new HashMap<>(writers);
        register(more, writer);
        return new MessageCodec(more);
    }

    /** The known writer schemas as Avro's {@link SchemaStore}, e.g. for a {@code BinaryMessageDecoder} of generic records. */
    public SchemaStore schemaStore() {
        return writers::get;
    }

    /**
     * Encodes {@code record} with the schema of its generated class.
     *
     * @throws IllegalArgumentException if the record cannot be encoded, e.g. a required field is null
     */
    public byte[] encode(SpecificRecord record) {
        Objects.requireNonNull(record, "record");
        Target target = TARGETS.get(record.getClass());
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        out.writeBytes(target.header());
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
        try {
            target.writer().write(record, encoder);
            encoder.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("cannot encode this " + target.schema().getName() + ": " + e.getMessage(), e);
        }
        return out.toByteArray();
    }

    /**
     * Decodes one message as {@code type}, resolving the writer schema named by its fingerprint to the
     * schema of {@code type}.
     *
     * @throws MessageDecodeException for any bytes that are not exactly one readable message of {@code type};
     *     its {@link MessageDecodeException#reason() reason} says which check failed
     * @throws IllegalArgumentException if {@code type} is not a generated Avro record class
     */
    public <T extends SpecificRecord> T decode(byte[] bytes, Class<T> type) throws MessageDecodeException {
        Target target = TARGETS.get(Objects.requireNonNull(type, "type"));
        if (bytes == null || bytes.length == 0) {
            throw new MessageDecodeException(Reason.EMPTY, "no bytes to decode");
        }
        if (bytes.length < HEADER_LENGTH) {
            throw new MessageDecodeException(Reason.BAD_HEADER,
                    bytes.length + " bytes are too short for the " + HEADER_LENGTH + "-byte header");
        }
        if (bytes[0] != MARKER_0 || bytes[1] != MARKER_1) {
            throw new MessageDecodeException(Reason.BAD_HEADER,
                    String.format("starts with %02X %02X, not the single-object marker C3 01", bytes[0], bytes[1]));
        }
        long fingerprint = fingerprintOf(bytes);
        Schema writer = writers.get(fingerprint);
        if (writer == null && fingerprint == target.fingerprint()) {
            writer = target.schema(); // a generated record outside the message types reads its own encoding
        }
        if (writer == null) {
            throw new MessageDecodeException(Reason.UNKNOWN_SCHEMA,
                    String.format("no known schema has fingerprint %016x", fingerprint));
        }
        if (!sameRecord(writer, target.schema())) {
            throw new MessageDecodeException(Reason.WRONG_TYPE,
                    "the message is a " + writer.getFullName() + ", not a " + target.schema().getFullName());
        }
        BodyValidator.check(writer, bytes, HEADER_LENGTH);
        try {
            return reader(fingerprint, writer, type, target).read(null,
                    DecoderFactory.get().binaryDecoder(bytes, HEADER_LENGTH, bytes.length - HEADER_LENGTH, null));
        } catch (AvroTypeException e) {
            // The body was checked against the writer schema; what is left is resolution, e.g. an enum
            // symbol this reader does not have.
            throw new MessageDecodeException(Reason.INCOMPATIBLE, String.format("%s %016x cannot be read as the current %s: %s",
                    writer.getName(), fingerprint, target.schema().getName(), e.getMessage()), e);
        } catch (IOException | RuntimeException e) {
            throw new MessageDecodeException(Reason.CORRUPT, "Avro could not read the body: " + e, e);
        }
    }

    @SuppressWarnings("unchecked")
    private <T> DatumReader<T> reader(long fingerprint, Schema writer, Class<T> type, Target target) {
        // A DatumReader is safe to share: it keeps its per-thread resolver state in a ThreadLocal.
        return (DatumReader<T>) readers.computeIfAbsent(new ReaderKey(fingerprint, type),
                key -> new SpecificDatumReader<>(writer, target.schema(), target.model()));
    }

    /** Same record, allowing for a reader that renamed it and kept the old name as an alias. */
    private static boolean sameRecord(Schema writer, Schema reader) {
        return writer.getFullName().equals(reader.getFullName()) || reader.getAliases().contains(writer.getFullName());
    }

    private static long fingerprintOf(byte[] bytes) {
        long fingerprint = 0;
        for (int i = 9; i >= 2; i--) {
            fingerprint = (fingerprint << 8) | (bytes[i] & 0xff);
        }
        return fingerprint;
    }

    private static byte[] headerFor(long fingerprint) {
        byte[] header = new byte[HEADER_LENGTH];
        header[0] = MARKER_0;
        header[1] = MARKER_1;
        for (int i = 0; i < 8; i++) {
            header[2 + i] = (byte) (fingerprint >>> (8 * i));
        }
        return header;
    }

    private static MessageCodec createStandard() {
        Map<Long, Schema> writers = new HashMap<>();
        for (List<Schema> versions : ReleasedSchemas.load().values()) {
            versions.forEach(schema -> register(writers, schema));
        }
        for (Class<?> type : ReleasedSchemas.MESSAGE_TYPES) {
            register(writers, TARGETS.get(type).schema());
        }
        return new MessageCodec(writers);
    }

    /** Two schemas with one fingerprint must be the same schema up to docs and defaults, or reading is ambiguous. */
    private static void register(Map<Long, Schema> writers, Schema schema) {
        Schema known = writers.putIfAbsent(SchemaNormalization.parsingFingerprint64(schema), schema);
        if (known != null && !SchemaNormalization.toParsingForm(known).equals(SchemaNormalization.toParsingForm(schema))) {
            throw new IllegalArgumentException(String.format("fingerprint %016x of %s collides with %s",
                    SchemaNormalization.parsingFingerprint64(schema), schema.getFullName(), known.getFullName()));
        }
    }
}
