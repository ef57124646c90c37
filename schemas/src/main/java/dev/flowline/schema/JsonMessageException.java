package dev.flowline.schema;

import java.util.Optional;

/**
 * A JSON text that is not one valid message in Avro's JSON encoding. The message starts with the field
 * path when one is known ({@code field sampler.steps: Expected int. Got VALUE_STRING}); the caller adds
 * where the text came from (file, line).
 */
public final class JsonMessageException extends Exception {

    private static final long serialVersionUID = 1L;

    private final String field;

    /**
     * @param field dotted path of the offending field ({@code sampler.steps}), or null when the problem is
     *     not in one field (e.g. the text is not JSON)
     */
    public JsonMessageException(String field, String message) {
        super(field == null ? message : "field " + field + ": " + message);
        this.field = field;
    }

    /** Dotted path of the offending field, when the problem is in one. */
    public Optional<String> field() {
        return Optional.ofNullable(field);
    }
}
