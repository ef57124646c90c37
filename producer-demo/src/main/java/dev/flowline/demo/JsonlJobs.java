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
            super(source + " line " + line + ": " + cause.getMessage(), cause);
            this.line = line;
        }

        public int line() {
            return line;
        }
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
