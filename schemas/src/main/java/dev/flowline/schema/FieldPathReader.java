package dev.flowline.schema;

import com.fasterxml.jackson.core.JsonProcessingException;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Deque;
import org.apache.avro.Schema;
import org.apache.avro.io.ResolvingDecoder;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;

/**
 * A reader whose errors say which field they happened in. Avro's JSON decoder reports only what it
 * expected ("Expected int. Got VALUE_STRING"); every {@link #readField} on the way down adds its name
 * to the failure as it passes through, giving {@code sampler.steps}.
 *
 * <p>Relies on Avro reading records field by field. Avro 1.12's default "fast reader" does not (it builds
 * its own per-schema readers), so {@link #of} reads with a private model that has it switched off; custom
 * coders ({@code org.apache.avro.specific.use_custom_coders}, off by default) would bypass it too, and
 * then errors still surface, only without the path.
 */
final class FieldPathReader<T> extends SpecificDatumReader<T> {

    /** A read failure and the path of fields it happened in, outermost first. */
    static final class FieldError extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final transient Deque<String> path = new ArrayDeque<>();

        FieldError(String field, Exception cause) {
            super(describe(cause), cause);
            path.add(field);
        }

        /** Jackson's own message without its "at [Source: ...]" suffix; a hint where Avro JSON surprises. */
        private static String describe(Exception cause) {
            String message = cause instanceof JsonProcessingException json ? json.getOriginalMessage() : cause.getMessage();
            if (message != null && message.startsWith("Expected start-union")) {
                message += " (Avro JSON wraps a union value in its type, e.g. {\"int\": 20}; null stays null)";
            }
            return message;
        }

        String path() {
            return String.join(".", path);
        }
    }

    /** Per class: the generated model's conversions (timestamps as Instant), without the fast reader. */
    private static final ClassValue<SpecificData> MODELS = new ClassValue<>() {
        @Override
        protected SpecificData computeValue(Class<?> type) {
            SpecificData model = new SpecificData(type.getClassLoader());
            SpecificData.getForClass(type).getConversions().forEach(model::addLogicalTypeConversion);
            model.setFastReaderEnabled(false);
            return model;
        }
    };

    private FieldPathReader(Schema schema, SpecificData model) {
        super(schema, schema, model);
    }

    /** A reader of {@code type}'s current schema. Cheap: Avro caches the parsing work per schema. */
    static <T> FieldPathReader<T> of(Class<T> type) {
        SpecificData model = MODELS.get(type);
        return new FieldPathReader<>(model.getSchema(type), model);
    }

    @Override
    protected void readField(Object record, Schema.Field field, Object oldDatum, ResolvingDecoder in, Object state)
            throws IOException {
        try {
            super.readField(record, field, oldDatum, in, state);
        } catch (FieldError e) {
            e.path.addFirst(field.name());
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new FieldError(field.name(), e);
        }
    }
}
