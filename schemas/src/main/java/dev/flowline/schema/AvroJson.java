package dev.flowline.schema;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.flowline.avro.GenerationRequest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import org.apache.avro.Schema;
import org.apache.avro.io.JsonEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;

/**
 * Flowline messages in Avro's JSON encoding, for the demo client's request files and result logs.
 *
 * <p>Avro's JSON encoding is plain JSON except that a non-null union value is wrapped in an object naming
 * its branch ({@code "steps": {"int": 20}}, {@code "conditioning": {"dev.flowline.avro.Conditioning": {...}}}),
 * bytes are strings of ISO-8859-1 characters and timestamps are epoch milliseconds. Unlike Avro's own
 * decoder, {@link #read} lets fields with defaults be left out and refuses fields the schema does not have.
 */
public final class AvroJson {

    static {
        AvroTrust.install(); // reading builds generated enums and records, which Avro 1.12.2 guards
    }

    private static final ObjectMapper MAPPER =
            JsonMapper.builder().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).build();
    private static final JsonDefaults DEFAULTS = new JsonDefaults(MAPPER);

    private AvroJson() {
    }

    /** Reads one {@link GenerationRequest}; see {@link #read}. */
    public static GenerationRequest readRequest(String json) throws JsonMessageException {
        return read(json, GenerationRequest.class);
    }

    /**
     * Reads exactly one JSON value as a {@code type}; fields with defaults may be left out.
     *
     * @throws JsonMessageException if the text is not one JSON value, or not a valid {@code type}; the
     *     message names the field when the problem is in one
     */
    public static <T extends SpecificRecord> T read(String json, Class<T> type) throws JsonMessageException {
        FieldPathReader<T> reader = FieldPathReader.of(type);
        Schema schema = reader.getSchema();
        JsonNode tree;
        try {
            tree = MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            String where = e.getLocation() == null ? "" : " at column " + e.getLocation().getColumnNr();
            throw new JsonMessageException(null, "not valid JSON" + where + ": " + e.getOriginalMessage());
        }
        if (tree == null || tree.isMissingNode()) {
            throw new JsonMessageException(null, "no JSON value");
        }
        DEFAULTS.complete(tree, schema, "");
        try {
            return reader.read(null, DecoderFactory.get().jsonDecoder(schema, tree.toString()));
        } catch (FieldPathReader.FieldError e) {
            throw new JsonMessageException(e.path(), e.getMessage());
        } catch (IOException | RuntimeException e) {
            throw new JsonMessageException(null, String.valueOf(e.getMessage()));
        }
    }

    /** Writes {@code record} as one line of Avro JSON, readable by {@link #read}. */
    public static String write(SpecificRecord record) {
        Schema schema = record.getSchema();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            JsonEncoder encoder = EncoderFactory.get().jsonEncoder(schema, out);
            new SpecificDatumWriter<SpecificRecord>(schema, SpecificData.getForClass(record.getClass())).write(record, encoder);
            encoder.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // in-memory streams do not fail
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}
