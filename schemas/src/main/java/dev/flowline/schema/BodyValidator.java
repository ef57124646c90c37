package dev.flowline.schema;

import dev.flowline.schema.MessageDecodeException.Reason;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import org.apache.avro.Schema;

/**
 * Walks a binary Avro body against its writer schema before Avro decodes it, without building anything.
 *
 * <p>Why a separate pass: Avro's own reader tells truncation, corruption and trailing bytes apart only
 * partly (a corrupt length and a cut-off body are both an {@code EOFException}; trailing bytes are not
 * noticed at all), silently replaces invalid UTF-8 and reads a boolean byte 2 as false. This walk gives
 * each failure a {@link Reason} and the path of the field it happened in, and it guarantees that no
 * length Avro will later allocate for exceeds the bytes actually present, whatever Avro's version does.
 *
 * <p>Every read is bounded by {@code limit}, every loop consumes at least one byte per item (an item count
 * larger than the remaining bytes is refused, which no Flowline schema can produce legitimately), and the
 * nesting depth is capped, so a walk ends in time linear in the body length.
 */
final class BodyValidator {

    /** The largest array Java can allocate; a declared length beyond it is corrupt, not truncated. */
    private static final long MAX_LENGTH = Integer.MAX_VALUE - 8;
    /** Flowline schemas nest a few levels; only a recursive writer schema could go deeper. */
    private static final int MAX_DEPTH = 64;

    private final byte[] buf;
    private final int limit;
    private int pos;
    /** Field names from the root to the value being read, for error messages only. */
    private final Deque<String> path = new ArrayDeque<>();
    private CharsetDecoder utf8;

    private BodyValidator(byte[] buf, int offset) {
        this.buf = buf;
        this.pos = offset;
        this.limit = buf.length;
    }

    /** Checks that {@code bytes[offset..]} is exactly one value of {@code writer}. */
    static void check(Schema writer, byte[] bytes, int offset) throws MessageDecodeException {
        BodyValidator walk = new BodyValidator(bytes, offset);
        walk.value(writer);
        if (walk.pos != walk.limit) {
            throw new MessageDecodeException(Reason.TRAILING_BYTES, (walk.limit - walk.pos)
                    + " bytes follow a complete " + writer.getName() + " body of " + (walk.pos - offset) + " bytes");
        }
    }

    private void value(Schema schema) throws MessageDecodeException {
        if (path.size() > MAX_DEPTH) {
            throw fail(Reason.CORRUPT, "nested deeper than " + MAX_DEPTH + " levels");
        }
        switch (schema.getType()) {
            case NULL -> { }
            case BOOLEAN -> {
                int b = next();
                if (b > 1) {
                    throw fail(Reason.CORRUPT, "boolean byte is " + b + ", not 0 or 1");
                }
            }
            case INT -> {
                long v = varint(5);
                if (v != (int) v) {
                    throw fail(Reason.CORRUPT, "int value " + v + " out of range");
                }
            }
            case LONG -> varint(10);
            case FLOAT -> skip(4);
            case DOUBLE -> skip(8);
            case FIXED -> skip(schema.getFixedSize());
            case BYTES -> skip(length("bytes"));
            case STRING -> utf8(length("string"));
            case ENUM -> index(schema.getEnumSymbols().size(), "enum symbol");
            case UNION -> {
                List<Schema> branches = schema.getTypes();
                value(branches.get(index(branches.size(), "union branch")));
            }
            case RECORD -> {
                for (Schema.Field field : schema.getFields()) {
                    path.addLast(field.name());
                    value(field.schema());
                    path.removeLast();
                }
            }
            case ARRAY -> blocks(schema.getElementType(), false);
            case MAP -> blocks(schema.getValueType(), true);
        }
    }

    /** Arrays and maps: blocks of (count, items), a negative count followed by the block's byte size, 0 ends. */
    private void blocks(Schema item, boolean withKeys) throws MessageDecodeException {
        path.addLast("[]");
        for (long count = varint(10); count != 0; count = varint(10)) {
            if (count < 0) {
                if (count == Long.MIN_VALUE) {
                    throw fail(Reason.CORRUPT, "block count out of range");
                }
                count = -count;
                long blockBytes = varint(10);
                if (blockBytes < 0) {
                    throw fail(Reason.CORRUPT, "negative block size " + blockBytes);
                }
            }
            // Each item of a Flowline schema takes at least one byte: a count beyond the remaining bytes is
            // either cut off or corrupt, and refusing it bounds what Avro will allocate for the collection.
            checkLength(count, "items");
            for (long i = 0; i < count; i++) {
                if (withKeys) {
                    utf8(length("map key"));
                }
                value(item);
            }
        }
        path.removeLast();
    }

    private int index(int size, String what) throws MessageDecodeException {
        long i = varint(5);
        if (i < 0 || i >= size) {
            throw fail(Reason.CORRUPT, what + " index " + i + " out of range [0, " + size + ")");
        }
        return (int) i;
    }

    private int length(String what) throws MessageDecodeException {
        long n = varint(10);
        if (n < 0) {
            throw fail(Reason.CORRUPT, "negative " + what + " length " + n);
        }
        return (int) checkLength(n, what);
    }

    private long checkLength(long n, String what) throws MessageDecodeException {
        if (n > MAX_LENGTH) {
            throw fail(Reason.CORRUPT, what + " length " + n + " is larger than any message");
        }
        if (n > limit - pos) {
            throw fail(Reason.TRUNCATED, "declares " + n + " " + what + " but only " + (limit - pos) + " bytes remain");
        }
        return n;
    }

    /** Avro's zig-zag varint; more than {@code maxBytes} bytes is an invalid encoding, as in Avro. */
    private long varint(int maxBytes) throws MessageDecodeException {
        long raw = 0;
        for (int i = 0; i < maxBytes; i++) {
            int b = next();
            raw |= (long) (b & 0x7f) << (7 * i);
            if ((b & 0x80) == 0) {
                return (raw >>> 1) ^ -(raw & 1);
            }
        }
        throw fail(Reason.CORRUPT, "variable-length number longer than " + maxBytes + " bytes");
    }

    private void utf8(int n) throws MessageDecodeException {
        if (utf8 == null) {
            utf8 = StandardCharsets.UTF_8.newDecoder(); // reports malformed input instead of replacing it
        }
        try {
            utf8.reset().decode(ByteBuffer.wrap(buf, pos, n));
        } catch (CharacterCodingException e) {
            throw fail(Reason.CORRUPT, "string is not valid UTF-8");
        }
        pos += n;
    }

    private int next() throws MessageDecodeException {
        if (pos >= limit) {
            throw fail(Reason.TRUNCATED, "body ends early");
        }
        return buf[pos++] & 0xff;
    }

    private void skip(int n) throws MessageDecodeException {
        if (n > limit - pos) {
            throw fail(Reason.TRUNCATED, "body ends early: needs " + n + " bytes, " + (limit - pos) + " remain");
        }
        pos += n;
    }

    private MessageDecodeException fail(Reason reason, String what) {
        String where = path.isEmpty() ? "" : " in field " + String.join(".", path).replace(".[]", "[]");
        return new MessageDecodeException(reason, what + where + " (at message byte " + pos + ")");
    }
}
