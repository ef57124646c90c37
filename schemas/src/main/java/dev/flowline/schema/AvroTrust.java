package dev.flowline.schema;

import org.apache.avro.util.ClassSecurityValidator;
import org.apache.avro.util.ClassSecurityValidator.ClassSecurityPredicate;

/**
 * Makes Avro 1.12.2 trust the generated classes in {@code dev.flowline.avro}.
 *
 * <p>Avro 1.12.2 refuses to load any class it finds by name from a schema unless the class is trusted
 * ("SecurityException: Forbidden dev.flowline.avro.OutputFormat"). It looks classes up not only when
 * decoding but also when a builder fills in an enum default, so {@code GenerationRequest.newBuilder()...build()}
 * fails too. The system property {@code org.apache.avro.SERIALIZABLE_PACKAGES} only works if set before
 * Avro reads it, which a library cannot promise; the global predicate can be extended at any time.
 *
 * <p>The predicate is JVM-global because Avro made it so. We add to it (composite with whatever is
 * installed) and never replace it, and we trust exactly our own generated package.
 */
final class AvroTrust {

    static final String TRUSTED_PACKAGE_PREFIX = "dev.flowline.avro.";

    private AvroTrust() {
    }

    private static boolean installed;

    /**
     * Idempotent. Touches no generated class: it also runs inside build tools that load this jar's
     * service file before the generated classes exist (the avro-maven-plugin does, from target/classes).
     */
    static synchronized void install() {
        if (installed) {
            return;
        }
        ClassSecurityPredicate current = ClassSecurityValidator.getGlobal();
        ClassSecurityPredicate ours = clazz -> clazz.getName().startsWith(TRUSTED_PACKAGE_PREFIX);
        ClassSecurityValidator.setGlobal(ClassSecurityValidator.composite(current, ours));
        installed = true;
    }
}
