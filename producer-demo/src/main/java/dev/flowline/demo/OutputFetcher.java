package dev.flowline.demo;

import dev.flowline.avro.OutputReference;
import dev.flowline.avro.SampleOutput;
import dev.flowline.output.Digests;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.core.async.AsyncResponseTransformer;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.S3AsyncClientBuilder;

import java.io.IOException;
import java.net.URI;
import java.util.concurrent.CompletionException;

/**
 * Follows the references of results whose samples went to an object store: reads {@code s3://bucket/key} with
 * GetObject and checks size and SHA-256 against the reference before anything uses the bytes. Inline samples pass
 * through. Needs s3:GetObject on the worker's prefix (the worker itself only writes).
 */
final class OutputFetcher implements AutoCloseable {
    private final S3AsyncClient client;

    OutputFetcher(URI endpoint, String region, boolean pathStyle, AwsCredentialsProvider credentials) {
        S3AsyncClientBuilder b = S3AsyncClient.builder().region(Region.of(region)).forcePathStyle(pathStyle).credentialsProvider(credentials);
        if (endpoint != null) b.endpointOverride(endpoint);
        this.client = b.build();
    }

    /** With credentials from the AWS SDK's default chain. */
    OutputFetcher(URI endpoint, String region, boolean pathStyle) {
        this(endpoint, region, pathStyle, DefaultCredentialsProvider.builder().build());
    }

    /** The sample's bytes: inline data, or the referenced object once its size and SHA-256 match. */
    byte[] bytes(SampleOutput o) throws IOException {
        OutputReference ref = o.getReference();
        if (ref == null) return ResultFiles.bytes(o.getData());
        URI u = URI.create(ref.getUri());
        if (!"s3".equals(u.getScheme()) || u.getHost() == null) throw new IOException("unsupported reference " + ref.getUri());
        byte[] data;
        try {
            data = client.getObject(r -> r.bucket(u.getHost()).key(u.getRawPath().substring(1)), AsyncResponseTransformer.toBytes())
                    .join().asByteArray();
        } catch (CompletionException e) {
            throw new IOException("cannot read " + ref.getUri() + ": " + e.getCause().getMessage(), e.getCause());
        }
        String sha = Digests.sha256Hex(data);
        if (data.length != ref.getSizeBytes() || !sha.equals(ref.getSha256())) {
            throw new IOException(ref.getUri() + " does not match its reference: " + data.length + " bytes, SHA-256 " + sha
                    + " (expected " + ref.getSizeBytes() + " bytes, " + ref.getSha256() + ")");
        }
        return data;
    }

    @Override
    public void close() {
        client.close();
    }
}
