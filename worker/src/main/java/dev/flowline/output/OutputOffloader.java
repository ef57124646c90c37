package dev.flowline.output;

import dev.flowline.config.OutputOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Decides whether a result's samples go by reference, writes them with bounded retries, and keeps the store's health.
 * Thread-safe; every method returns at once (waits between attempts are timers, not sleeping threads).
 *
 * <p>Invariant: a future of {@link #store} completes successfully only when every object of the job was written and
 * verified, so a result built from it never references a missing object. When it fails, objects already written stay
 * (a later replay overwrites them with the same bytes; a bucket lifecycle rule removes strays).
 */
public final class OutputOffloader implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(OutputOffloader.class);
    /** Key segment of the small objects written at start and by idle health probes. */
    public static final String HEALTH_SEGMENT = "_health";

    private final OutputStore store;
    private final OutputOptions options;
    private final OutputMetrics metrics;
    private final String workerId;
    private final LongSupplier clockMillis;
    /** Null while the last write succeeded (or none was tried), else why it failed. */
    private volatile String unhealthy;
    private volatile long lastWriteMillis;

    public OutputOffloader(OutputStore store, OutputOptions options, OutputMetrics metrics, String workerId, LongSupplier clockMillis) {
        this.store = store;
        this.options = options;
        this.metrics = metrics;
        this.workerId = workerId;
        this.clockMillis = clockMillis;
        metrics.bindHealth(() -> unhealthy == null ? 1 : 0);
    }

    /** True when a result whose samples encode to {@code encodedSampleBytes} (summed) goes by reference. */
    public boolean byReference(long encodedSampleBytes) {
        return store.storesObjects() && encodedSampleBytes > options.inlineMaxBytes();
    }

    /**
     * Writes every object of a job under its deterministic key (all in parallel, each with up to
     * {@code outputs.maxAttempts} attempts) and completes with the verified objects in the given order; fails with
     * the first object's final {@link OutputStoreException} otherwise.
     */
    public CompletableFuture<List<StoredObject>> store(String model, String jobId, List<OutputObject> objects) {
        List<CompletableFuture<StoredObject>> puts = new ArrayList<>(objects.size());
        for (OutputObject o : objects) {
            String key = ObjectKeys.key(options.s3Prefix(), model, jobId, o.index(), o.contentType());
            puts.add(putWithRetries(key, o.data(), o.contentType(), 1));
        }
        return CompletableFuture.allOf(puts.toArray(CompletableFuture[]::new))
                .handle((v, err) -> {
                    if (err != null) {
                        metrics.jobFailed();
                        throw unwrap(err);
                    }
                    metrics.resultByReference();
                    return puts.stream().map(CompletableFuture::join).toList();
                });
    }

    private CompletableFuture<StoredObject> putWithRetries(String key, byte[] data, String contentType, int attempt) {
        return store.put(key, data, contentType).handle((stored, err) -> {
            if (err == null) {
                written(stored.sizeBytes());
                return CompletableFuture.completedFuture(stored);
            }
            OutputStoreException e = unwrap(err);
            failed(e);
            if (attempt >= options.maxAttempts()) {
                return CompletableFuture.<StoredObject>failedFuture(new OutputStoreException(e.kind(),
                        e.getMessage() + " (gave up after " + attempt + (attempt == 1 ? " attempt)" : " attempts)"), e));
            }
            long backoff = options.retryBackoff().toMillis() << Math.min(attempt - 1, 20);
            log.debug("attempt {} to write {} failed ({}); retrying in {} ms", attempt, key, e.getMessage(), backoff);
            Executor later = CompletableFuture.delayedExecutor(backoff, TimeUnit.MILLISECONDS);
            return CompletableFuture.supplyAsync(() -> null, later).thenCompose(x -> putWithRetries(key, data, contentType, attempt + 1));
        }).thenCompose(f -> f);
    }

    /**
     * At start: writes this worker's health object once. Completes normally when it was written, or when the store
     * is merely unreachable (it may be restarting: jobs retry, /ready says so); fails with an
     * {@link IllegalStateException} naming the settings to fix when the store refuses the credentials or lacks the bucket.
     */
    public CompletableFuture<Void> checkAtStart() {
        if (!store.storesObjects()) return CompletableFuture.completedFuture(null);
        return probe().handle((v, err) -> {
            if (err == null) {
                log.info("output store {} is writable", store.describe());
                return null;
            }
            OutputStoreException e = unwrap(err);
            if (e.kind() == OutputStoreException.Kind.DENIED || e.kind() == OutputStoreException.Kind.NO_BUCKET
                    || e.kind() == OutputStoreException.Kind.OTHER) {
                throw new IllegalStateException("output store " + store.describe() + " cannot be written: " + e.getMessage() + "; "
                        + store.advice(e), e);
            }
            log.warn("output store {} is not reachable at start ({}); starting anyway: {}", store.describe(), e.getMessage(), store.advice(e));
            return null;
        });
    }

    /** When nothing was written for {@code outputs.healthIntervalMs}, writes the health object so /ready stays truthful. */
    public void probeIfIdle() {
        if (!store.storesObjects() || clockMillis.getAsLong() - lastWriteMillis < options.healthInterval().toMillis()) return;
        probe().exceptionally(err -> null);
    }

    private CompletableFuture<StoredObject> probe() {
        String key = (options.s3Prefix().isEmpty() ? "" : options.s3Prefix() + "/") + HEALTH_SEGMENT + "/" + ObjectKeys.segment(workerId);
        byte[] body = ("flowline worker " + workerId + "\n").getBytes(StandardCharsets.UTF_8);
        return store.put(key, body, "text/plain").whenComplete((stored, err) -> {
            if (err == null) {
                lastWriteMillis = clockMillis.getAsLong();
                if (unhealthy != null) log.info("output store {} is writable again", store.describe());
                unhealthy = null;
            } else {
                failed(unwrap(err));
            }
        });
    }

    private void written(long size) {
        metrics.written(size);
        lastWriteMillis = clockMillis.getAsLong();
        if (unhealthy != null) log.info("output store {} is writable again", store.describe());
        unhealthy = null;
    }

    private void failed(OutputStoreException e) {
        metrics.error(e.kind());
        unhealthy = e.kind() + ": " + e.getMessage();
    }

    /** Null while the store is healthy (the last write succeeded), else why not: for /ready. */
    public String notHealthyReason() {
        String u = unhealthy;
        return u == null ? null : "output store " + store.describe() + " failing (" + u + ")";
    }

    public OutputStore store() {
        return store;
    }

    private static OutputStoreException unwrap(Throwable err) {
        Throwable e = err;
        while (e instanceof CompletionException && e.getCause() != null) e = e.getCause();
        return e instanceof OutputStoreException ose ? ose : new OutputStoreException(OutputStoreException.Kind.OTHER, String.valueOf(e), e);
    }

    @Override
    public void close() {
        store.close();
    }
}
