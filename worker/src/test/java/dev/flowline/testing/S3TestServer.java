package dev.flowline.testing;

import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.nio2blob.FilesystemNio2BlobStore;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.core.async.AsyncResponseTransformer;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletionException;
import java.util.stream.Stream;

/**
 * A real S3-compatible server in the test JVM: s3proxy (Jetty, the S3 REST protocol, AWS v2/v4 signatures checked)
 * on 127.0.0.1 over a filesystem blob store in a temporary folder, with one bucket. It can be stopped and started
 * again on the same port with the same objects (a store outage), and read back with its own credentials.
 */
public final class S3TestServer implements AutoCloseable {
    public static final String BUCKET = "flowline-test";

    private final Path dir;
    private final String accessKey = "test-" + UUID.randomUUID().toString().substring(0, 8);
    private final String secretKey = UUID.randomUUID().toString();
    private final FilesystemNio2BlobStore blobStore;
    private S3Proxy proxy;
    private int port;
    private final S3AsyncClient reader;

    private S3TestServer(Path dir) throws Exception {
        this.dir = dir;
        this.blobStore = new FilesystemNio2BlobStore(dir.toString());
        blobStore.createContainer(BUCKET);
        startOn(0);
        this.reader = S3AsyncClient.builder().endpointOverride(endpoint()).forcePathStyle(true).region(Region.US_EAST_1)
                .credentialsProvider(credentials()).build();
    }

    public static S3TestServer start() throws Exception {
        return new S3TestServer(Files.createTempDirectory("flowline-s3-"));
    }

    private void startOn(int p) throws Exception {
        proxy = S3Proxy.builder().blobStore(blobStore).endpoint(URI.create("http://127.0.0.1:" + p))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, accessKey, secretKey).build();
        proxy.start();
        long until = System.nanoTime() + 10_000_000_000L;
        while (!"STARTED".equals(proxy.getState()) && System.nanoTime() < until) Thread.sleep(10);
        port = proxy.getPort();
    }

    /** Stops serving (connections refused) and keeps the objects. */
    public void stop() throws Exception {
        proxy.stop();
    }

    /** Serves again on the same port, with the objects it had. */
    public void restart() throws Exception {
        startOn(port);
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + port);
    }

    public int port() {
        return port;
    }

    public AwsCredentialsProvider credentials() {
        return StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKey, secretKey));
    }

    /** Same access key, wrong secret: the server refuses the signature (403). */
    public AwsCredentialsProvider wrongCredentials() {
        return StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKey, "wrong-" + secretKey));
    }

    /** The object at {@code s3://bucket/key}, read over HTTP with GetObject; empty when there is none. */
    public Optional<byte[]> read(String uri) {
        URI u = URI.create(uri);
        if (!"s3".equals(u.getScheme())) throw new IllegalArgumentException("not an s3:// URI: " + uri);
        String key = u.getRawPath().substring(1);
        try {
            ResponseBytes<GetObjectResponse> r = reader.getObject(b -> b.bucket(u.getHost()).key(key), AsyncResponseTransformer.toBytes()).join();
            return Optional.of(r.asByteArray());
        } catch (CompletionException e) {
            if (e.getCause() instanceof NoSuchKeyException) return Optional.empty();
            throw e;
        }
    }

    /** Content type the server stored for the object. */
    public String contentType(String uri) {
        URI u = URI.create(uri);
        return reader.headObject(b -> b.bucket(u.getHost()).key(u.getRawPath().substring(1))).join().contentType();
    }

    /** Number of objects under a key prefix in the test bucket. */
    public int count(String prefix) {
        return reader.listObjectsV2(b -> b.bucket(BUCKET).prefix(prefix)).join().keyCount();
    }

    @Override
    public void close() throws Exception {
        try {
            reader.close();
            proxy.stop();
        } finally {
            try (Stream<Path> walk = Files.walk(dir)) {
                walk.sorted(Comparator.reverseOrder()).forEach(p -> {
                    try {
                        Files.deleteIfExists(p);
                    } catch (IOException ignored) {
                        // a temporary folder; best effort
                    }
                });
            }
        }
    }
}
