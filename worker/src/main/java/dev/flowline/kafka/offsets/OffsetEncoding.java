package dev.flowline.kafka.offsets;

/**
 * The wire encodings of the done offsets in a {@link PartitionProgress}, each a (version, magic byte) pair; the first
 * byte of the payload selects one ({@link #ofMagic}). A new layout is a new constant with a new magic byte: readers
 * ignore magic bytes they do not know (with a warning), so old and new workers can share a group during an upgrade.
 */
public enum OffsetEncoding {
    /** Version 1, one bit per offset after the base: {@code ceil(span / 8)} bytes. Best when done and not-done mix. */
    BITSET_V1(1, (byte) 'b'),
    /** Version 1, alternating run lengths (not done, done, not done, ...) as varints. Best for long runs. */
    RUN_LENGTH_V1(1, (byte) 'r');

    private final int version;
    private final byte magic;

    OffsetEncoding(int version, byte magic) {
        this.version = version;
        this.magic = magic;
    }

    public int version() {
        return version;
    }

    public byte magic() {
        return magic;
    }

    /** The encoding a payload's first byte names, or null for one this worker does not know. */
    public static OffsetEncoding ofMagic(byte magic) {
        for (OffsetEncoding e : values()) {
            if (e.magic == magic) return e;
        }
        return null;
    }
}
