package dev.flowline.schema;

import dev.flowline.avro.GenerationRequest;
import dev.flowline.avro.SamplerSpec;
import java.nio.ByteBuffer;
import java.util.HexFormat;

/**
 * Run in a fresh JVM by {@link AvroTrustTest}: Avro's trust is JVM-global, so the surefire JVM, where other
 * tests have installed it long ago, cannot show what a new process sees. Prints one line: OK ... or the
 * exception.
 *
 * <p>Modes ending in {@code -without-hook} start with a context class loader that cannot see this
 * module's {@code META-INF/services}, so Avro starts without {@link AvroTrustHook}, as in a container
 * whose class loading hides it.
 */
public final class TrustProbe {

    private TrustProbe() {
    }

    public static void main(String[] args) {
        String mode = args[0];
        if (mode.endsWith("-without-hook")) {
            Thread.currentThread().setContextClassLoader(ClassLoader.getPlatformClassLoader());
        }
        try {
            System.out.println(switch (mode) {
                case "builder", "builder-without-hook" -> "OK " + GenerationRequest.newBuilder().setJobId("j").setModel("m")
                        .setSampler(SamplerSpec.newBuilder().build()).build().getOutputFormat();
                case "avro-decode-without-hook" ->
                        "OK " + GenerationRequest.getDecoder().decode(ByteBuffer.wrap(HexFormat.of().parseHex(args[1]))).getJobId();
                case "codec-decode-without-hook" ->
                        "OK " + MessageCodec.standard().decode(HexFormat.of().parseHex(args[1]), GenerationRequest.class).getJobId();
                default -> throw new IllegalArgumentException(mode);
            });
        } catch (Throwable t) {
            System.out.println("FAILED " + t);
        }
    }
}
