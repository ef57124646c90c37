package dev.flowline.kafka.offsets;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.Base64;
import java.util.BitSet;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** The commit-metadata codec alone: round trips in every encoding, the size bound and its fallback, bad input. */
class ProgressCodecTest {

    private static PartitionProgress progress(long base, int[] done, Map<Long, Integer> attempts) {
        BitSet b = new BitSet();
        for (int o : done) b.set((int) (o - base - 1));
        return new PartitionProgress(base, b, attempts);
    }

    @ParameterizedTest
    @EnumSource(OffsetEncoding.class)
    void everyEncodingRoundTripsDoneOffsetsAndAttempts(OffsetEncoding encoding) {
        PartitionProgress p = progress(1_000_000, new int[]{1_000_001, 1_000_002, 1_000_007, 1_000_300},
                Map.of(1_000_000L, 2, 1_000_005L, 1));
        String s = ProgressCodec.encode(p, encoding);
        assertThat(s).startsWith(ProgressCodec.PREFIX);
        ProgressCodec.Read r = ProgressCodec.decode(s, 1_000_000);
        assertThat(r).isInstanceOf(ProgressCodec.Read.Progress.class);
        PartitionProgress q = ((ProgressCodec.Read.Progress) r).progress();
        assertThat(((ProgressCodec.Read.Progress) r).encoding()).isEqualTo(encoding);
        assertThat(q.doneAbove()).isEqualTo(p.doneAbove());
        assertThat(q.attempts()).isEqualTo(p.attempts());
        assertThat(q.isDone(1_000_007)).isTrue();
        assertThat(q.isDone(1_000_006)).isFalse();
        assertThat(q.isDone(1_000_000)).as("the base itself is never done").isFalse();
        assertThat(q.attempts(1_000_000)).isEqualTo(2);
        assertThat(q.attempts(1_000_001)).isZero();
    }

    @ParameterizedTest
    @EnumSource(OffsetEncoding.class)
    void randomProgressRoundTripsInEveryEncoding(OffsetEncoding encoding) {
        Random rnd = new Random(42);
        for (int trial = 0; trial < 200; trial++) {
            long base = rnd.nextInt(1 << 20);
            BitSet done = new BitSet();
            int span = rnd.nextInt(3000);
            double density = rnd.nextDouble();
            for (int i = 0; i < span; i++) if (rnd.nextDouble() < density) done.set(i);
            Map<Long, Integer> attempts = new HashMap<>();
            for (int i = rnd.nextInt(5); i > 0; i--) attempts.put(base + rnd.nextInt(span + 1), 1 + rnd.nextInt(9));
            PartitionProgress p = new PartitionProgress(base, done, attempts);
            var r = (ProgressCodec.Read.Progress) ProgressCodec.decode(ProgressCodec.encode(p, encoding), base);
            assertThat(r.progress().doneAbove()).isEqualTo(done);
            assertThat(r.progress().attempts()).isEqualTo(p.attempts());
        }
    }

    @Test
    void theEncoderKeepsTheShorterEncoding() {
        BitSet longRun = new BitSet();
        longRun.set(0, 5000);
        PartitionProgress runs = new PartitionProgress(10, longRun, Map.of());
        assertThat(ProgressCodec.encode(runs)).isEqualTo(ProgressCodec.encode(runs, OffsetEncoding.RUN_LENGTH_V1));
        BitSet alternating = new BitSet();
        for (int i = 0; i < 4000; i += 2) alternating.set(i);
        PartitionProgress mixed = new PartitionProgress(10, alternating, Map.of());
        assertThat(ProgressCodec.encode(mixed)).isEqualTo(ProgressCodec.encode(mixed, OffsetEncoding.BITSET_V1));
        assertThat(ProgressCodec.encode(runs).length()).as("5,000 done offsets in a row").isLessThan(40);
    }

    @Test
    void progressBeyondTheBoundKeepsItsLowestOffsetsWithinTheBound() {
        Random rnd = new Random(7);
        BitSet done = new BitSet();
        for (int i = 0; i < 200_000; i++) if (rnd.nextBoolean()) done.set(i);
        Map<Long, Integer> attempts = Map.of(500L, 3, 150_000L, 1);
        PartitionProgress p = new PartitionProgress(500, done, attempts);
        String s = ProgressCodec.encode(p);
        assertThat(s.length()).isLessThanOrEqualTo(ProgressCodec.MAX_CHARS);
        PartitionProgress q = ((ProgressCodec.Read.Progress) ProgressCodec.decode(s, 500)).progress();
        long kept = q.doneAbove().length();
        assertThat(kept).as("a prefix of thousands of offsets survives").isGreaterThan(8_000);
        assertThat(q.doneAbove()).isEqualTo(done.get(0, (int) kept));
        assertThat(q.attempts()).as("the attempt at the base is kept, the far one dropped").isEqualTo(Map.of(500L, 3));
    }

    @Test
    void nothingToSayIsEmptyMetadataAndReadsAsAbsent() {
        assertThat(ProgressCodec.encode(PartitionProgress.none(17))).isEmpty();
        assertThat(ProgressCodec.decode("", 17)).isInstanceOf(ProgressCodec.Read.Absent.class);
        assertThat(ProgressCodec.decode(null, 17)).isInstanceOf(ProgressCodec.Read.Absent.class);
    }

    @Test
    void foreignCorruptUnknownOrStaleMetadataIsIgnoredWithAReasonNeverThrown() {
        String good = ProgressCodec.encode(progress(5, new int[]{7, 9}, Map.of(5L, 1)));
        assertThat(reason(ProgressCodec.decode("some other tool's note", 5))).contains("foreign");
        assertThat(reason(ProgressCodec.decode(ProgressCodec.PREFIX + "!!!", 5))).contains("corrupt");
        assertThat(reason(ProgressCodec.decode(good, 6))).contains("describes offset 5").contains("committed offset is 6");
        String unknown = ProgressCodec.PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(new byte[]{'z', 5, 0, 0});
        assertThat(reason(ProgressCodec.decode(unknown, 5))).contains("unknown encoding").contains("0x7a");
        assertThat(reason(ProgressCodec.decode(good.substring(0, good.length() - 2), 5))).contains("corrupt");
        Random rnd = new Random(3);
        for (int i = 0; i < 5_000; i++) {
            byte[] junk = new byte[rnd.nextInt(24)];
            rnd.nextBytes(junk);
            if (junk.length > 0) junk[0] = rnd.nextBoolean() ? (byte) 'b' : (byte) 'r';
            String s = ProgressCodec.PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(junk);
            ProgressCodec.Read r = ProgressCodec.decode(s, 0); // must not throw whatever the bytes
            assertThat(r).isNotNull();
        }
    }

    private static String reason(ProgressCodec.Read r) {
        assertThat(r).isInstanceOf(ProgressCodec.Read.Ignored.class);
        return ((ProgressCodec.Read.Ignored) r).reason();
    }
}
