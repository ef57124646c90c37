package dev.flowline.output;

import java.util.concurrent.CompletableFuture;

/**
 * Where samples go when they do not travel inside the result record. Implementations are thread-safe and never
 * block the calling thread: every call returns at once with a future.
 */
public interface OutputStore extends AutoCloseable {

    /** False for the inline store: results carry their samples, nothing is written anywhere. */
    boolean storesObjects();

    /**
     * Writes one object under {@code key} and verifies what the store received (SHA-256 sent with the request and
     * checked by the store, MD5 ETag or echoed SHA-256 compared with the bytes). Overwriting a key with the same bytes
     * is harmless. One attempt: retries are the caller's.
     *
     * @return the verified object; fails with {@link OutputStoreException}
     */
    CompletableFuture<StoredObject> put(String key, byte[] data, String contentType);

    /** For logs: the store and where it writes, no secrets. */
    String describe();

    /**
     * What to fix when a write failed with {@code e} at start, naming the settings involved (bucket, endpoint,
     * credentials); never a secret.
     */
    String advice(OutputStoreException e);

    @Override
    void close();
}
