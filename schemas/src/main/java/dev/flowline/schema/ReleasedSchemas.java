package dev.flowline.schema;

import dev.flowline.avro.ControlCommand;
import dev.flowline.avro.DeadLetter;
import dev.flowline.avro.GenerationRequest;
import dev.flowline.avro.GenerationResult;
import dev.flowline.avro.ProgressEvent;
import dev.flowline.avro.TelemetryEvent;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificRecordBase;

/**
 * The writer schemas Flowline has released, read from
 * {@code dev/flowline/schema/released/<RecordName>/v<N>.avsc} on the class path.
 *
 * <p>Versions are found by probing v1, v2, ... until one is missing, so no index has to be kept in
 * step with the files; a test checks that every file in the folder is found (a gap would hide later
 * versions). Each file is self-contained (named types it uses are inlined) and parsed on its own.
 */
final class ReleasedSchemas {

    /** The record types that travel as messages, each with its own folder of released versions. */
    static final List<Class<? extends SpecificRecordBase>> MESSAGE_TYPES = List.of(
            GenerationRequest.class, GenerationResult.class, TelemetryEvent.class,
            ProgressEvent.class, DeadLetter.class, ControlCommand.class);

    static final String FOLDER = "released/";

    private ReleasedSchemas() {
    }

    /** Every released version of every message type, in folder order then version order. */
    static Map<String, List<Schema>> load() {
        Map<String, List<Schema>> byRecord = new LinkedHashMap<>();
        for (Class<?> type : MESSAGE_TYPES) {
            String name = type.getSimpleName();
            List<Schema> versions = new ArrayList<>();
            for (int version = 1; ; version++) {
                String resource = FOLDER + name + "/v" + version + ".avsc";
                Schema schema = read(resource);
                if (schema == null) {
                    break;
                }
                if (!schema.getName().equals(name)) {
                    throw new IllegalStateException(resource + " defines " + schema.getFullName() + ", not " + name);
                }
                versions.add(schema);
            }
            byRecord.put(name, List.copyOf(versions));
        }
        return byRecord;
    }

    private static Schema read(String resource) {
        try (InputStream in = ReleasedSchemas.class.getResourceAsStream(resource)) {
            return in == null ? null : new Schema.Parser().parse(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read released schema " + resource, e);
        }
    }
}
