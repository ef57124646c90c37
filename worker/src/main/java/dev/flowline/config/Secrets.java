package dev.flowline.config;

import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/** Which configuration values must never be printed: Kafka client properties whose name says they hold a secret. */
public final class Secrets {
    private Secrets() {}

    /** E.g. {@code sasl.jaas.config}, {@code ssl.keystore.password}, {@code sasl.oauthbearer.client.credentials.client.secret}. */
    public static boolean isSecretKey(String key) {
        String k = key.toLowerCase(Locale.ROOT);
        return k.contains("password") || k.contains("jaas") || k.contains("secret") || k.contains("token")
                || k.contains("credential") || k.endsWith("user.info") || k.endsWith(".key")
                || k.contains("keystore.key") || k.contains("certificate.chain") && k.contains("keystore");
    }

    /** A copy with secret values replaced by {@link ConfigDef#HIDDEN}, for logs and toString. */
    public static Map<String, String> masked(Map<String, String> props) {
        Map<String, String> m = new TreeMap<>();
        props.forEach((k, v) -> m.put(k, isSecretKey(k) ? ConfigDef.HIDDEN : v));
        return m;
    }
}
