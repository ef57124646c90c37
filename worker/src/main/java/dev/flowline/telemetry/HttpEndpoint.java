package dev.flowline.telemetry;

import dev.flowline.config.HttpOptions;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.micrometer.PrometheusRequestHandler;

import java.util.List;

/**
 * Serves {@code /metrics} (Prometheus text), {@code /health} (liveness: the event loop answers) and
 * {@code /ready} (readiness: 200 when the supplied check passes, 503 with the reason otherwise).
 */
public final class HttpEndpoint extends VerticleBase {

    /** Prometheus text exposition. */
    public static final String METRICS_PATH = "/metrics";
    /** Liveness: 200 while the event loop answers. */
    public static final String HEALTH_PATH = "/health";
    /** Readiness: 200 when ready, 503 with the reason otherwise. */
    public static final String READY_PATH = "/ready";
    /** Every path served (deployment probes and scrape configs are checked against this list). */
    public static final List<String> PATHS = List.of(METRICS_PATH, HEALTH_PATH, READY_PATH);

    /** Readiness: null when ready, else why not. */
    @FunctionalInterface
    public interface Readiness {
        String notReadyReason();
    }

    private final HttpOptions options;
    private final PrometheusMeterRegistry registry;
    private final Readiness readiness;
    private HttpServer server;

    public HttpEndpoint(HttpOptions options, PrometheusMeterRegistry registry, Readiness readiness) {
        this.options = options;
        this.registry = registry;
        this.readiness = readiness;
    }

    @Override
    public Future<?> start() {
        Handler<HttpServerRequest> metrics = PrometheusRequestHandler.create(registry);
        server = vertx.createHttpServer().requestHandler(req -> {
            switch (req.path()) {
                case METRICS_PATH -> metrics.handle(req);
                case HEALTH_PATH -> req.response().putHeader("content-type", "text/plain").end("UP\n");
                case READY_PATH -> {
                    String why = readiness.notReadyReason();
                    if (why == null) req.response().putHeader("content-type", "text/plain").end("READY\n");
                    else req.response().setStatusCode(503).putHeader("content-type", "text/plain").end("NOT READY: " + why + "\n");
                }
                default -> req.response().setStatusCode(404).end();
            }
        });
        return server.listen(options.port(), options.host());
    }

    /** The bound port (useful when configured as 0). */
    public int port() {
        return server.actualPort();
    }

    @Override
    public Future<?> stop() {
        return server == null ? Future.succeededFuture() : server.close();
    }
}
