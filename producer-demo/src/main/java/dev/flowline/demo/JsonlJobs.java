package dev.flowline.demo;

import dev.flowline.avro.GenerationRequest;
import dev.flowline.schema.AvroJson;
import dev.flowline.schema.JsonMessageException;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.util.ArrayList;
import java.util.List;

/** Reads jobs from JSONL: one GenerationRequest per line in Avro's JSON encoding; blank lines and # comments skipped. */
public final class JsonlJobs {
    private JsonlJobs() {}

    /** A line that is not a valid job: names the line, and the field when known. */
    public static final class JsonlException extends Exception {
        private final int line;

        JsonlException(String source, int line, JsonMessageException cause) {
            super(source + " line " + line + ": " + cause.getMessage() + unionHint(cause.getMessage()), cause);
            this.line = line;
        }

        public int line() {
            return line;
        }
    }

    /** Example of the wrapped form, shown when a line forgot Avro JSON's union wrapping. */
    static final String WRAPPED_EXAMPLE = "\"conditioning\": {\"dev.flowline.avro.Conditioning\": {\"classLabel\": {\"int\": 3}}}, "
            + "\"sampler\": {\"solver\": \"heun\", \"steps\": {\"int\": 8}}";

    /** Avro's JSON decoder says "Unknown union branch x" or "Expected start-union": add how a union is written. */
    static String unionHint(String message) {
        String m = String.valueOf(message);
        if (!m.contains("union")) return "";
        return " -- in Avro's JSON encoding an optional (union) field's value is wrapped in an object naming its type, e.g. "
                + WRAPPED_EXAMPLE;
    }

    public static List<GenerationRequest> read(Reader in, String source) throws IOException, JsonlException {
        List<GenerationRequest> jobs = new ArrayList<>();
        BufferedReader r = in instanceof BufferedReader b ? b : new BufferedReader(in);
        String text;
        int line = 0;
        while ((text = r.readLine()) != null) {
            line++;
            String t = text.strip();
            if (t.isEmpty() || t.startsWith("#")) continue;
            try {
                jobs.add(AvroJson.readRequest(t));
            } catch (JsonMessageException e) {
                throw new JsonlException(source, line, e);
            }
        }
        return jobs;
    }
}
