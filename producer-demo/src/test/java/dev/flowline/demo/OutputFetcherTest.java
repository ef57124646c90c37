package dev.flowline.demo;

import dev.flowline.avro.OutputReference;
import dev.flowline.avro.SampleOutput;
import dev.flowline.config.OutputOptions;
import dev.flowline.output.S3OutputStore;
import dev.flowline.output.StoredObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The demo's in-process S3 server and the client side of the claim check: follow a reference, check its SHA-256. */
class OutputFetcherTest {

    @Test
    void aReferenceIsFollowedAndCheckedAndAMismatchIsRefused(@TempDir Path dir) throws Exception {
        try (EmbeddedS3 s3 = EmbeddedS3.start(dir);
             S3OutputStore store = S3OutputStore.create(OutputOptions.s3(EmbeddedS3.BUCKET, s3.endpoint())
                     .withRetries(1, java.time.Duration.ZERO, java.time.Duration.ofSeconds(60)), s3.credentials());
             OutputFetcher fetcher = new OutputFetcher(s3.endpoint(), "us-east-1", true, s3.credentials())) {
            byte[] png = {(byte) 0x89, 'P', 'N', 'G', 1, 2, 3};
            StoredObject o = store.put("flowline/m/j/0.png", png, "image/png").join();

            assertThat(s3.endpoint().getHost()).isEqualTo("127.0.0.1");
            assertThat(fetcher.bytes(sample(o.uri(), o.sizeBytes(), o.sha256()))).isEqualTo(png);
            assertThat(Files.exists(dir.resolve(EmbeddedS3.BUCKET).resolve("flowline/m/j/0.png"))).isTrue();
            assertThatThrownBy(() -> fetcher.bytes(sample(o.uri(), o.sizeBytes(), "00".repeat(32))))
                    .isInstanceOf(IOException.class).hasMessageContaining("does not match its reference");
            assertThatThrownBy(() -> fetcher.bytes(sample("s3://" + EmbeddedS3.BUCKET + "/missing.png", 1, "00".repeat(32))))
                    .isInstanceOf(IOException.class).hasMessageContaining("cannot read");
        }
    }

    @Test
    void theServerListensOnLoopbackOnly(@TempDir Path dir) throws Exception {
        try (EmbeddedS3 s3 = EmbeddedS3.start(dir)) {
            String other = java.net.NetworkInterface.networkInterfaces().flatMap(java.net.NetworkInterface::inetAddresses)
                    .filter(a -> !a.isLoopbackAddress() && a instanceof java.net.Inet4Address).map(java.net.InetAddress::getHostAddress)
                    .findFirst().orElse(null);
            try (Socket ok = new Socket("127.0.0.1", s3.endpoint().getPort())) {
                assertThat(ok.isConnected()).isTrue();
            }
            if (other != null) {
                assertThatThrownBy(() -> new Socket(other, s3.endpoint().getPort()).close()).isInstanceOf(IOException.class);
            }
        }
    }

    private static SampleOutput sample(String uri, long size, String sha) {
        return SampleOutput.newBuilder().setIndex(0).setData(ByteBuffer.allocate(0)).setMediaType("image/png").setShape(List.of(1, 2, 2))
                .setReference(OutputReference.newBuilder().setUri(uri).setSizeBytes(size).setSha256(sha).setContentType("image/png").build())
                .build();
    }
}
