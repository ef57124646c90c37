package dev.flowline.schema;

import org.apache.avro.LogicalType;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;

/**
 * Installs {@link AvroTrust} as soon as Avro itself starts, so that code which only touches the generated
 * classes (a builder, {@code fromByteBuffer}) works without first touching {@link MessageCodec}.
 * Not for direct use.
 *
 * <p>How: Avro's {@code LogicalTypes} loads every {@link LogicalTypes.LogicalTypeFactory} registered in
 * {@code META-INF/services} from its static initialiser, and every generated class parses its schema (and
 * so initialises {@code LogicalTypes}) before it can look up a class. This factory's constructor is the
 * hook; the logical type it registers names nothing any schema uses.
 *
 * <p>The hook depends on the thread context class loader seeing this jar when Avro starts; where it does
 * not, {@link MessageCodec} and {@link AvroJson} still install the trust themselves before they decode.
 */
public final class AvroTrustHook implements LogicalTypes.LogicalTypeFactory {

    /** Called by {@link java.util.ServiceLoader}. */
    public AvroTrustHook() {
        try {
            AvroTrust.install();
        } catch (RuntimeException | LinkageError e) {
            // A provider that throws breaks LogicalTypes' static initialiser, and with it all of Avro in
            // this JVM. Never let that happen for a convenience: the codec installs the trust again.
        }
    }

    @Override
    public String getTypeName() {
        return "dev.flowline.trust-hook";
    }

    /** No schema carries this logical type; returning null leaves any such schema without one. */
    @Override
    public LogicalType fromSchema(Schema schema) {
        return null;
    }
}
