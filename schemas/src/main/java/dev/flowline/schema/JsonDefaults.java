package dev.flowline.schema;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.io.JsonEncoder;
import org.apache.avro.io.EncoderFactory;

/**
 * Completes a JSON tree before Avro's {@code JsonDecoder} reads it. Avro 1.12.2's JsonDecoder demands every
 * field, defaults or not ("Expected field name not found: numSamples"), which would make a hand-written
 * request list all fifteen of them; and it ignores fields it does not know, so a misspelt field would be
 * dropped without a word. This walk adds each missing field's default and rejects unknown fields, both
 * with the field's path. Types are left to Avro.
 */
final class JsonDefaults {

    private final ObjectMapper mapper;

    JsonDefaults(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    /** Completes {@code node}, a value of {@code schema} at {@code path}, in place. */
    void complete(JsonNode node, Schema schema, String path) throws JsonMessageException {
        switch (schema.getType()) {
            case RECORD -> record(node, schema, path);
            case UNION -> {
                // Avro JSON wraps a non-null union value as {"<branch full name>": value}.
                if (node instanceof ObjectNode wrapper && wrapper.size() == 1) {
                    Map.Entry<String, JsonNode> branch = wrapper.properties().iterator().next();
                    for (Schema type : schema.getTypes()) {
                        if (type.getFullName().equals(branch.getKey())) {
                            complete(branch.getValue(), type, path);
                        }
                    }
                }
            }
            case ARRAY -> {
                if (node.isArray() && walksInto(schema.getElementType())) {
                    for (int i = 0; i < node.size(); i++) {
                        complete(node.get(i), schema.getElementType(), path + "[" + i + "]");
                    }
                }
            }
            case MAP -> {
                if (node.isObject() && walksInto(schema.getValueType())) {
                    for (Map.Entry<String, JsonNode> entry : node.properties()) {
                        complete(entry.getValue(), schema.getValueType(), path + "[" + entry.getKey() + "]");
                    }
                }
            }
            default -> { }
        }
    }

    private void record(JsonNode node, Schema schema, String path) throws JsonMessageException {
        if (!(node instanceof ObjectNode object)) {
            throw new JsonMessageException(path.isEmpty() ? null : path,
                    "expected a JSON object for " + schema.getName() + ", found " + node.getNodeType());
        }
        for (Map.Entry<String, JsonNode> entry : object.properties()) {
            if (schema.getField(entry.getKey()) == null) {
                throw new JsonMessageException(join(path, entry.getKey()), "no such field in " + schema.getName());
            }
        }
        for (Schema.Field field : schema.getFields()) {
            JsonNode value = object.get(field.name());
            if (value != null) {
                complete(value, field.schema(), join(path, field.name()));
            } else if (field.hasDefaultValue()) {
                object.set(field.name(), defaultJson(field));
            } else {
                throw new JsonMessageException(join(path, field.name()), "required field is missing");
            }
        }
    }

    /** The default as Avro's JSON encoder writes it, so bytes, unions and enums come out in Avro's JSON form. */
    private JsonNode defaultJson(Schema.Field field) {
        Object value = GenericData.get().getDefaultValue(field);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            JsonEncoder encoder = EncoderFactory.get().jsonEncoder(field.schema(), out);
            new GenericDatumWriter<>(field.schema(), GenericData.get()).write(value, encoder);
            encoder.flush();
            return mapper.readTree(out.toByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException(e); // in-memory streams do not fail
        }
    }

    private static boolean walksInto(Schema schema) {
        return switch (schema.getType()) {
            case RECORD, UNION, ARRAY, MAP -> true;
            default -> false;
        };
    }

    private static String join(String path, String name) {
        return path.isEmpty() ? name : path + "." + name;
    }
}
