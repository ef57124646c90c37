package dev.flowline.kafka.offsets;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.Base64;
import java.util.BitSet;
import java.util.HashMap;
import java.util.Map;

/**
 * {@link PartitionProgress} to and from the metadata string of a commit. Pure functions, no Kafka: the intake calls
 * them at its edges (commit, assignment).
 *
 * <p>Format: {@value #PREFIX} followed by the URL-safe Base64 (no padding) of: magic byte ({@link OffsetEncoding}),
 * base offset (varint), span (varint: offsets after the base that the done part covers), the done part in the
 * encoding's layout, the number of attempt entries (varint), then per entry its offset minus the base and its count
 * (varints). The encoder writes both encodings and keeps the shorter.
 *
 * <p>Size bound: at most {@link #MAX_CHARS} characters (Kafka brokers refuse metadata over
 * {@code offset.metadata.max.bytes}, 4096 by default). When the progress does not fit, the encoder keeps only the
 * offsets closest to the base (the longest span that fits): done offsets beyond it are run again by the next owner
 * (at least once still holds), attempts beyond it restart from 0. 2,048 characters hold, for example, a bitset over
 * about 12,000 offsets or a few hundred attempt entries.
 */
public final class ProgressCodec {
    /** Marks Flowline's metadata; anything else in the metadata is foreign and ignored. */
    public static final String PREFIX = "flowline:";
    public static final int MAX_CHARS = 2048;
    /** Largest span a reader accepts (a corrupt varint must not make it allocate gigabytes). */
    static final long MAX_SPAN = 1L << 20;

    private ProgressCodec() {}

    /** What a commit's metadata said. */
    public sealed interface Read {
        /** No metadata (a fresh group, or an owner with nothing beyond its commit). */
        record Absent() implements Read {}

        record Progress(PartitionProgress progress, OffsetEncoding encoding) implements Read {}

        /** Metadata that cannot be used: foreign, corrupt, an unknown version, or describing another offset. */
        record Ignored(String reason) implements Read {}
    }

    public static String encode(PartitionProgress p) {
        return encode(p, MAX_CHARS);
    }

    /** The shortest encoding of {@code p} within {@code maxChars}, truncating its span when needed; "" when empty. */
    public static String encode(PartitionProgress p, int maxChars) {
        String full = shortest(p);
        if (full.length() <= maxChars) return full;
        // Too large: keep the longest prefix of the span that fits (binary search; each try encodes once per encoding).
        long lo = 0, hi = p.span() - 1;
        String best = "";
        while (lo <= hi) {
            long mid = (lo + hi) >>> 1;
            String s = shortest(p.truncated(mid));
            if (s.length() <= maxChars) {
                best = s;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return best;
    }

    private static String shortest(PartitionProgress p) {
        if (p.isEmpty()) return "";
        String best = null;
        for (OffsetEncoding e : OffsetEncoding.values()) {
            String s = encode(p, e);
            if (best == null || s.length() < best.length()) best = s;
        }
        return best;
    }

    /** {@code p} in one given encoding, without a size bound (tests pin every encoding with it). */
    public static String encode(PartitionProgress p, OffsetEncoding encoding) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(encoding.magic());
        BitSet done = p.doneAbove();
        long span = done.length();
        writeVarLong(out, p.base());
        writeVarLong(out, span);
        switch (encoding) {
            case BITSET_V1 -> {
                byte[] bits = done.toByteArray(); // little-endian bit order, trailing zero bytes dropped
                out.write(bits, 0, bits.length);
                for (long i = bits.length; i < (span + 7) / 8; i++) out.write(0);
            }
            case RUN_LENGTH_V1 -> {
                // runs alternate, starting with not done; the first may be empty
                java.util.List<Long> runs = new java.util.ArrayList<>();
                boolean state = false;
                int i = 0;
                while (i < span) {
                    int next = state ? done.nextClearBit(i) : done.nextSetBit(i);
                    if (next < 0 || next > span) next = (int) span;
                    runs.add((long) (next - i));
                    i = next;
                    state = !state;
                }
                writeVarLong(out, runs.size());
                for (long r : runs) writeVarLong(out, r);
            }
        }
        writeVarLong(out, p.attempts().size());
        p.attempts().forEach((offset, count) -> {
            writeVarLong(out, offset - p.base());
            writeVarLong(out, count);
        });
        return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(out.toByteArray());
    }

    /** Reads {@code metadata} committed at {@code committedOffset}; never throws. */
    public static Read decode(String metadata, long committedOffset) {
        if (metadata == null || metadata.isEmpty()) return new Read.Absent();
        if (!metadata.startsWith(PREFIX)) return new Read.Ignored("foreign commit metadata (not written by Flowline)");
        ByteBuffer in;
        try {
            in = ByteBuffer.wrap(Base64.getUrlDecoder().decode(metadata.substring(PREFIX.length())));
        } catch (IllegalArgumentException e) {
            return new Read.Ignored("corrupt commit metadata (not Base64: " + e.getMessage() + ")");
        }
        try {
            if (!in.hasRemaining()) return new Read.Ignored("corrupt commit metadata (empty)");
            byte magic = in.get();
            OffsetEncoding encoding = OffsetEncoding.ofMagic(magic);
            if (encoding == null) {
                return new Read.Ignored(String.format("commit metadata of an unknown encoding or version (magic byte 0x%02x)", magic));
            }
            long base = readVarLong(in);
            if (base != committedOffset) {
                return new Read.Ignored("commit metadata describes offset " + base + " but the committed offset is "
                        + committedOffset + " (offsets reset by hand?)");
            }
            long span = readVarLong(in);
            if (span > MAX_SPAN) return new Read.Ignored("corrupt commit metadata (span " + span + ")");
            BitSet done = new BitSet((int) span);
            switch (encoding) {
                case BITSET_V1 -> {
                    int n = (int) ((span + 7) / 8);
                    if (in.remaining() < n) return new Read.Ignored("corrupt commit metadata (bitset cut short)");
                    byte[] bits = new byte[n];
                    in.get(bits);
                    done = BitSet.valueOf(bits);
                    if (done.length() > span) return new Read.Ignored("corrupt commit metadata (bits beyond the span)");
                }
                case RUN_LENGTH_V1 -> {
                    long runs = readVarLong(in);
                    if (runs > span + 1) return new Read.Ignored("corrupt commit metadata (" + runs + " runs)");
                    long at = 0;
                    boolean state = false;
                    for (long r = 0; r < runs; r++) {
                        long len = readVarLong(in);
                        if (at + len > span) return new Read.Ignored("corrupt commit metadata (runs longer than the span)");
                        if (state) done.set((int) at, (int) (at + len));
                        at += len;
                        state = !state;
                    }
                    if (at != span) return new Read.Ignored("corrupt commit metadata (runs shorter than the span)");
                }
            }
            long entries = readVarLong(in);
            if (entries > MAX_SPAN) return new Read.Ignored("corrupt commit metadata (" + entries + " attempt entries)");
            Map<Long, Integer> attempts = new HashMap<>();
            for (long k = 0; k < entries; k++) {
                long delta = readVarLong(in);
                long count = readVarLong(in);
                if (delta > MAX_SPAN || count < 1 || count > 1_000_000) return new Read.Ignored("corrupt commit metadata (attempt entry)");
                attempts.put(base + delta, (int) count);
            }
            if (in.hasRemaining()) return new Read.Ignored("corrupt commit metadata (" + in.remaining() + " trailing bytes)");
            return new Read.Progress(new PartitionProgress(base, done, attempts), encoding);
        } catch (java.nio.BufferUnderflowException | IllegalArgumentException e) {
            return new Read.Ignored("corrupt commit metadata (cut short)");
        }
    }

    static void writeVarLong(ByteArrayOutputStream out, long v) {
        if (v < 0) throw new IllegalArgumentException("negative varint " + v);
        while ((v & ~0x7FL) != 0) {
            out.write((int) ((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        out.write((int) v);
    }

    static long readVarLong(ByteBuffer in) {
        long v = 0;
        for (int shift = 0; shift < 63; shift += 7) {
            byte b = in.get();
            v |= (long) (b & 0x7F) << shift;
            if ((b & 0x80) == 0) return v;
        }
        throw new IllegalArgumentException("varint too long");
    }
}
