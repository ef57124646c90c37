package dev.flowline.config;

/** The HTTP endpoint serving {@code /metrics}, {@code /health} and {@code /ready}; port 0 picks a free port. */
public record HttpOptions(boolean enabled, String host, int port) {
    public static final String DEFAULT_HOST = "127.0.0.1";
    public static final int DEFAULT_PORT = 8080;

    public HttpOptions {
        if (port < 0 || port > 65535) throw new ConfigException("http.port", port, "must be in [0, 65535]");
        if (host == null || host.isBlank()) throw new ConfigException("http.host", host, "must not be blank");
    }

    public static HttpOptions defaults() {
        return new HttpOptions(true, DEFAULT_HOST, DEFAULT_PORT);
    }
}
