package dev.flowline.demo;

import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.nio2blob.FilesystemNio2BlobStore;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;

/**
 * An S3-compatible server in this JVM for the demo: s3proxy on 127.0.0.1 (a free port), AWS v2/v4 signatures
 * checked against credentials made up for this run, objects kept as files under a folder (so they can be looked at
 * after the run), one bucket.
 */
final class EmbeddedS3 implements AutoCloseable {
    static final String BUCKET = "flowline-demo";

    private final S3Proxy proxy;
    private final AwsCredentialsProvider credentials;

    private EmbeddedS3(S3Proxy proxy, AwsCredentialsProvider credentials) {
        this.proxy = proxy;
        this.credentials = credentials;
    }

    static EmbeddedS3 start(Path dir) throws Exception {
        Files.createDirectories(dir);
        FilesystemNio2BlobStore store = new FilesystemNio2BlobStore(dir.toAbsolutePath().toString());
        if (!store.containerExists(BUCKET)) store.createContainer(BUCKET);
        String access = "demo-" + UUID.randomUUID().toString().substring(0, 8);
        String secret = UUID.randomUUID().toString();
        S3Proxy proxy = S3Proxy.builder().blobStore(store).endpoint(URI.create("http://127.0.0.1:0"))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, access, secret).build();
        proxy.start();
        long until = System.nanoTime() + 10_000_000_000L;
        while (!"STARTED".equals(proxy.getState())) {
            if (System.nanoTime() > until) throw new IllegalStateException("the embedded S3 server did not start");
            Thread.sleep(10);
        }
        return new EmbeddedS3(proxy, StaticCredentialsProvider.create(AwsBasicCredentials.create(access, secret)));
    }

    URI endpoint() {
        return URI.create("http://127.0.0.1:" + proxy.getPort());
    }

    AwsCredentialsProvider credentials() {
        return credentials;
    }

    @Override
    public void close() throws Exception {
        proxy.stop();
    }
}
