package dev.flowline.schema;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.flowline.schema.MessageDecodeException.Reason;
import dev.flowline.schema.Samples.Sample;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Random damage to valid messages: decoding either returns a record or throws MessageDecodeException,
 * never anything else and never a hang. The seed is fixed, so a failure names bytes that reproduce it.
 */
class MutationFuzzTest {

    private static final int MUTANTS = 2_000;

    private final MessageCodec codec = MessageCodec.standard();

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void mutatedMessagesDecodeOrFailWithADecodeException() {
        Random random = new Random(20261122L);
        List<Sample> samples = Samples.all();
        Map<Reason, Integer> reasons = new EnumMap<>(Reason.class);
        int decoded = 0;

        for (int i = 0; i < MUTANTS; i++) {
            Sample sample = samples.get(random.nextInt(samples.size()));
            byte[] mutant = mutate(codec.encode(sample.record()), random);
            Class<? extends SpecificRecord> type = sample.record().getClass();
            try {
                SpecificRecord record = codec.decode(mutant, type);
                // Whatever decodes is a record the codec can write and read back unchanged.
                assertThat(codec.decode(codec.encode(record), type)).isEqualTo(record);
                decoded++;
            } catch (MessageDecodeException e) {
                reasons.merge(e.reason(), 1, Integer::sum);
            } catch (Throwable t) {
                fail("mutant %d of %s escaped with %s; bytes %s", i, sample, t, HexFormat.of().formatHex(mutant), t);
            }
        }

        System.out.printf("%d mutants: %d decoded, failures by reason %s%n", MUTANTS, decoded, reasons);
        // The mutations must reach past the header checks, or this test would prove little.
        assertThat(decoded).isPositive();
        assertThat(reasons).containsKeys(Reason.BAD_HEADER, Reason.UNKNOWN_SCHEMA, Reason.TRUNCATED,
                Reason.TRAILING_BYTES, Reason.CORRUPT);
    }

    /** One to three of: flip a bit, overwrite a byte, insert, delete, cut the tail, append a tail. */
    private static byte[] mutate(byte[] bytes, Random random) {
        byte[] out = bytes;
        int edits = 1 + random.nextInt(3);
        for (int e = 0; e < edits && out.length > 0; e++) {
            int at = random.nextInt(out.length);
            out = switch (random.nextInt(6)) {
                case 0 -> flipBit(out, at, random.nextInt(8));
                case 1 -> set(out, at, (byte) random.nextInt(256));
                case 2 -> insert(out, at, (byte) random.nextInt(256));
                case 3 -> delete(out, at);
                case 4 -> Arrays.copyOf(out, at);
                default -> Arrays.copyOf(out, out.length + 1 + random.nextInt(8));
            };
        }
        return out;
    }

    private static byte[] flipBit(byte[] bytes, int at, int bit) {
        byte[] out = bytes.clone();
        out[at] ^= (byte) (1 << bit);
        return out;
    }

    private static byte[] set(byte[] bytes, int at, byte value) {
        byte[] out = bytes.clone();
        out[at] = value;
        return out;
    }

    private static byte[] insert(byte[] bytes, int at, byte value) {
        byte[] out = new byte[bytes.length + 1];
        System.arraycopy(bytes, 0, out, 0, at);
        out[at] = value;
        System.arraycopy(bytes, at, out, at + 1, bytes.length - at);
        return out;
    }

    private static byte[] delete(byte[] bytes, int at) {
        byte[] out = new byte[bytes.length - 1];
        System.arraycopy(bytes, 0, out, 0, at);
        System.arraycopy(bytes, at + 1, out, at, bytes.length - at - 1);
        return out;
    }
}
