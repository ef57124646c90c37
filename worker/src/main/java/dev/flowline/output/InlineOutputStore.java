package dev.flowline.output;

import java.util.concurrent.CompletableFuture;

/** The default: samples travel inside the result record, so nothing is ever written. */
public final class InlineOutputStore implements OutputStore {
    public static final InlineOutputStore INSTANCE = new InlineOutputStore();

    private InlineOutputStore() {}

    @Override
    public boolean storesObjects() {
        return false;
    }

    @Override
    public CompletableFuture<StoredObject> put(String key, byte[] data, String contentType) {
        return CompletableFuture.failedFuture(new UnsupportedOperationException("the inline store writes no objects"));
    }

    @Override
    public String describe() {
        return "inline (samples inside the result record)";
    }

    @Override
    public String advice(OutputStoreException e) {
        return "";
    }

    @Override
    public void close() {}
}
