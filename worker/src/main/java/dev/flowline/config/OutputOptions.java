package dev.flowline.config;

import java.net.URI;
import java.time.Duration;
import java.util.Locale;

/**
 * Where a result's samples go: inside the result record ({@code inline}, the default), or, when their encoded size
 * exceeds {@code inlineMaxBytes}, into an S3-compatible object store with a reference in the record (claim check).
 * S3 credentials are not configuration: they come from the AWS SDK's default provider chain.
 *
 * @param store          {@link Store#INLINE} or {@link Store#S3}
 * @param inlineMaxBytes with {@code s3}: a result whose encoded samples (summed) exceed this goes by reference
 * @param maxAttempts    attempts per object before the job fails OUTPUT_STORE_ERROR
 * @param retryBackoff   wait before the second attempt; doubled for each further one
 * @param requestTimeout one attempt's limit (connect, send, response)
 * @param s3Bucket       bucket (required with s3)
 * @param s3Prefix       key prefix, without leading or trailing slash (may be empty)
 * @param s3Region       signing region (any value for most S3-compatible servers)
 * @param s3Endpoint     endpoint override (MinIO, Ceph...); null for AWS's own
 * @param s3PathStyle    path-style addressing (bucket in the path), which most S3-compatible servers need
 * @param healthInterval how often an idle worker probes the store for its readiness
 */
public record OutputOptions(Store store, int inlineMaxBytes, int maxAttempts, Duration retryBackoff, Duration requestTimeout,
                            String s3Bucket, String s3Prefix, String s3Region, URI s3Endpoint, boolean s3PathStyle,
                            Duration healthInterval) {

    /** The closed set of stores. */
    public enum Store {
        INLINE, S3;

        static Store parse(String s) {
            return valueOf(s.toUpperCase(Locale.ROOT));
        }
    }

    public static final int DEFAULT_INLINE_MAX_BYTES = 512 * 1024;
    public static final int DEFAULT_MAX_ATTEMPTS = 4;
    public static final long DEFAULT_RETRY_BACKOFF_MS = 250;
    public static final long DEFAULT_REQUEST_TIMEOUT_MS = 10_000;
    public static final String DEFAULT_S3_PREFIX = "flowline";
    public static final String DEFAULT_S3_REGION = "us-east-1";
    public static final long DEFAULT_HEALTH_INTERVAL_MS = 30_000;

    public OutputOptions {
        if (inlineMaxBytes < 0) throw new ConfigException("outputs.inlineMaxBytes", inlineMaxBytes, "must be >= 0");
        if (maxAttempts < 1) throw new ConfigException("outputs.maxAttempts", maxAttempts, "must be >= 1");
        s3Prefix = s3Prefix == null ? "" : s3Prefix.strip();
        if (s3Prefix.startsWith("/") || s3Prefix.endsWith("/")) {
            throw new ConfigException("outputs.s3Prefix", s3Prefix, "must not start or end with '/'");
        }
        if (store == Store.S3 && (s3Bucket == null || s3Bucket.isBlank())) {
            throw new ConfigException("outputs.s3Bucket", s3Bucket, "is required when outputs.store=s3");
        }
        if (s3Endpoint != null && (s3Endpoint.getScheme() == null || s3Endpoint.getHost() == null
                || !(s3Endpoint.getScheme().equals("http") || s3Endpoint.getScheme().equals("https")))) {
            throw new ConfigException("outputs.s3Endpoint", s3Endpoint, "must be an http:// or https:// URL with a host");
        }
    }

    public static OutputOptions inline() {
        return new OutputOptions(Store.INLINE, DEFAULT_INLINE_MAX_BYTES, DEFAULT_MAX_ATTEMPTS, Duration.ofMillis(DEFAULT_RETRY_BACKOFF_MS),
                Duration.ofMillis(DEFAULT_REQUEST_TIMEOUT_MS), null, DEFAULT_S3_PREFIX, DEFAULT_S3_REGION, null, false,
                Duration.ofMillis(DEFAULT_HEALTH_INTERVAL_MS));
    }

    /** An S3 store on {@code endpoint} (path-style), with the other settings at their defaults. */
    public static OutputOptions s3(String bucket, URI endpoint) {
        return inline().withStore(Store.S3, bucket, endpoint);
    }

    public OutputOptions withStore(Store s, String bucket, URI endpoint) {
        return new OutputOptions(s, inlineMaxBytes, maxAttempts, retryBackoff, requestTimeout, bucket, s3Prefix, s3Region, endpoint,
                endpoint != null || s3PathStyle, healthInterval);
    }

    public OutputOptions withInlineMaxBytes(int v) {
        return new OutputOptions(store, v, maxAttempts, retryBackoff, requestTimeout, s3Bucket, s3Prefix, s3Region, s3Endpoint, s3PathStyle, healthInterval);
    }

    public OutputOptions withRetries(int attempts, Duration backoff, Duration timeout) {
        return new OutputOptions(store, inlineMaxBytes, attempts, backoff, timeout, s3Bucket, s3Prefix, s3Region, s3Endpoint, s3PathStyle, healthInterval);
    }

    public OutputOptions withS3Prefix(String v) {
        return new OutputOptions(store, inlineMaxBytes, maxAttempts, retryBackoff, requestTimeout, s3Bucket, v, s3Region, s3Endpoint, s3PathStyle, healthInterval);
    }

    public OutputOptions withHealthInterval(Duration v) {
        return new OutputOptions(store, inlineMaxBytes, maxAttempts, retryBackoff, requestTimeout, s3Bucket, s3Prefix, s3Region, s3Endpoint, s3PathStyle, v);
    }
}
