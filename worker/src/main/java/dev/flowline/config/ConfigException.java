package dev.flowline.config;

/** A configuration that cannot be used. The message always names the key (and the value, unless it is a secret). */
public final class ConfigException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final String key;

    public ConfigException(String key, String message) {
        super(key + ": " + message);
        this.key = key;
    }

    public ConfigException(String key, Object value, String problem) {
        this(key, "invalid value " + render(value) + ": " + problem);
    }

    /** The key at fault, e.g. {@code kafka.commitIntervalMs} (or an environment variable name). */
    public String key() {
        return key;
    }

    private static String render(Object value) {
        return value instanceof String s ? "'" + s + "'" : String.valueOf(value);
    }
}
