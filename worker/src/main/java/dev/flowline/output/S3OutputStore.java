package dev.flowline.output;

import dev.flowline.config.OutputOptions;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.async.AsyncRequestBody;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.ApiCallAttemptTimeoutException;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.S3AsyncClientBuilder;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.PutObjectResponse;
import software.amazon.awssdk.services.s3.model.S3Exception;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * An S3-compatible object store (AWS S3, MinIO, Ceph RGW...) through the AWS SDK v2's async client on its Netty HTTP
 * client: requests run on the SDK's own event loops, results come back as futures, no thread of the caller waits.
 * Only PutObject is used, so the worker needs {@code s3:PutObject} on {@code <bucket>/<prefix>/*} and nothing else.
 *
 * <p>Integrity: each PUT carries the bytes' SHA-256 ({@code x-amz-checksum-sha256}), which S3 checks before it
 * stores anything (a mismatch is refused); the response is checked too: an echoed SHA-256 must match, and a plain
 * MD5 ETag (single-part, unencrypted) must equal the bytes' MD5. The SDK's own retries are off: the caller retries
 * with its own bound and backoff, so that every failure is seen and counted.
 */
public final class S3OutputStore implements OutputStore {
    private final S3AsyncClient client;
    private final OutputOptions options;

    private S3OutputStore(S3AsyncClient client, OutputOptions options) {
        this.client = client;
        this.options = options;
    }

    /** A store with credentials from the AWS SDK's default provider chain (environment, profile, web identity, instance role). */
    public static S3OutputStore create(OutputOptions options) {
        return create(options, DefaultCredentialsProvider.builder().build());
    }

    /** A store with the given credentials (tests and the embedded demo, whose in-process server has its own). */
    public static S3OutputStore create(OutputOptions options, AwsCredentialsProvider credentials) {
        if (options.store() != OutputOptions.Store.S3) throw new IllegalArgumentException("outputs.store is not s3");
        S3AsyncClientBuilder b = S3AsyncClient.builder()
                .httpClientBuilder(NettyNioAsyncHttpClient.builder().maxConcurrency(64)
                        .connectionTimeout(options.requestTimeout()).connectionAcquisitionTimeout(options.requestTimeout()))
                .region(Region.of(options.s3Region()))
                .credentialsProvider(credentials)
                .forcePathStyle(options.s3PathStyle())
                // the SHA-256 is sent explicitly; no CRC trailers (aws-chunked), which not every S3-compatible server reads
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.doNotRetry())
                        .apiCallAttemptTimeout(options.requestTimeout()).apiCallTimeout(options.requestTimeout()));
        if (options.s3Endpoint() != null) b.endpointOverride(options.s3Endpoint());
        return new S3OutputStore(b.build(), options);
    }

    @Override
    public boolean storesObjects() {
        return true;
    }

    @Override
    public CompletableFuture<StoredObject> put(String key, byte[] data, String contentType) {
        // both digests before the request: the response is then checked on the SDK's thread without hashing there
        byte[] sha = Digests.sha256(data);
        String shaHex = java.util.HexFormat.of().formatHex(sha);
        String md5Hex = Digests.md5Hex(data);
        PutObjectRequest req = PutObjectRequest.builder().bucket(options.s3Bucket()).key(key).contentType(contentType)
                .contentLength((long) data.length).checksumSHA256(Digests.base64(sha)).build();
        CompletableFuture<PutObjectResponse> sent;
        try {
            sent = client.putObject(req, AsyncRequestBody.fromBytes(data));
        } catch (RuntimeException e) {
            sent = CompletableFuture.failedFuture(e);
        }
        return sent.handle((resp, err) -> {
            if (err != null) throw classify(key, err);
            verify(key, shaHex, md5Hex, resp);
            return new StoredObject(key, uri(key), data.length, shaHex, contentType);
        });
    }

    private static void verify(String key, String shaHex, String md5Hex, PutObjectResponse resp) {
        if (resp.checksumSHA256() != null && !Digests.hexOfBase64(resp.checksumSHA256()).equals(shaHex)) {
            throw new OutputStoreException(OutputStoreException.Kind.CHECKSUM_MISMATCH,
                    "the store acknowledged " + key + " with SHA-256 " + Digests.hexOfBase64(resp.checksumSHA256()) + ", the bytes have " + shaHex, null);
        }
        String etag = resp.eTag() == null ? "" : resp.eTag().replace("\"", "");
        if (etag.matches("[0-9a-fA-F]{32}") && !etag.equalsIgnoreCase(md5Hex)) {
            throw new OutputStoreException(OutputStoreException.Kind.CHECKSUM_MISMATCH,
                    "the store acknowledged " + key + " with ETag " + etag + ", the bytes' MD5 is " + md5Hex, null);
        }
    }

    private String uri(String key) {
        return "s3://" + options.s3Bucket() + "/" + key;
    }

    private OutputStoreException classify(String key, Throwable err) {
        Throwable e = err instanceof CompletionException && err.getCause() != null ? err.getCause() : err;
        if (e instanceof OutputStoreException ose) return ose;
        String where = "writing s3://" + options.s3Bucket() + "/" + key + endpointText() + ": ";
        if (e instanceof S3Exception s3) {
            String code = s3.awsErrorDetails() == null ? "" : s3.awsErrorDetails().errorCode();
            String text = s3.statusCode() + " " + code + " (" + firstLine(s3.awsErrorDetails() == null ? s3.getMessage() : s3.awsErrorDetails().errorMessage()) + ")";
            OutputStoreException.Kind kind = switch (s3.statusCode()) {
                case 401, 403 -> OutputStoreException.Kind.DENIED;
                case 404 -> OutputStoreException.Kind.NO_BUCKET;
                case 400 -> "BadDigest".equals(code) || "InvalidDigest".equals(code) || String.valueOf(code).contains("Checksum")
                        ? OutputStoreException.Kind.CHECKSUM_MISMATCH : OutputStoreException.Kind.OTHER;
                default -> s3.statusCode() >= 500 || s3.statusCode() == 429 ? OutputStoreException.Kind.UNAVAILABLE : OutputStoreException.Kind.OTHER;
            };
            return new OutputStoreException(kind, where + text, e);
        }
        if (e instanceof ApiCallAttemptTimeoutException || e instanceof ApiCallTimeoutException) {
            return new OutputStoreException(OutputStoreException.Kind.TIMEOUT, where + "no answer within outputs.requestTimeoutMs="
                    + options.requestTimeout().toMillis(), e);
        }
        if (e instanceof SdkClientException) {
            return new OutputStoreException(OutputStoreException.Kind.UNAVAILABLE, where + firstLine(e.getMessage())
                    + (e.getCause() != null ? " (" + e.getCause().getClass().getSimpleName() + ")" : ""), e);
        }
        return new OutputStoreException(OutputStoreException.Kind.OTHER, where + e, e);
    }

    private String endpointText() {
        return options.s3Endpoint() == null ? "" : " at " + options.s3Endpoint();
    }

    private static String firstLine(String s) {
        if (s == null) return "";
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    @Override
    public String describe() {
        return "s3://" + options.s3Bucket() + "/" + options.s3Prefix() + endpointText() + (options.s3PathStyle() ? " (path-style)" : "")
                + ", region " + options.s3Region();
    }

    @Override
    public String advice(OutputStoreException e) {
        return switch (e.kind()) {
            case DENIED -> "the store refused the worker's credentials or their grant: check the S3 credentials (AWS default provider chain: "
                    + "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or web identity) and that they allow s3:PutObject on "
                    + options.s3Bucket() + "/" + options.s3Prefix() + "/* (outputs.s3Bucket, outputs.s3Prefix)";
            case NO_BUCKET -> "check outputs.s3Bucket='" + options.s3Bucket() + "' (the bucket must exist; the worker does not create it)"
                    + (options.s3Endpoint() != null && !options.s3PathStyle() ? " and outputs.s3PathStyle (S3-compatible servers usually need true)" : "");
            case UNAVAILABLE, TIMEOUT -> "check outputs.s3Endpoint" + (options.s3Endpoint() == null ? " (unset: AWS S3)" : "='" + options.s3Endpoint() + "'")
                    + " and outputs.s3Region='" + options.s3Region() + "'";
            default -> "check outputs.s3Bucket, outputs.s3Endpoint and outputs.s3PathStyle";
        };
    }

    @Override
    public void close() {
        client.close();
    }
}
