package dev.flowline.bench;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/**
 * Reads images from a (gzipped) IDX file, the MNIST / Fashion-MNIST format: two zero bytes, type 0x08 (unsigned
 * byte), the number of axes, big-endian axis sizes, then the pixels. Used for the quality benchmark's data floor.
 */
public final class IdxImages {
    private IdxImages() {
    }

    /**
     * The first {@code n} images, pixels mapped linearly from [0, 255] to [lo, hi] (the model's value range).
     *
     * @throws IOException when the file cannot be read or is not an unsigned-byte IDX file of images
     */
    public static float[][] read(Path file, int n, double lo, double hi) throws IOException {
        byte[] raw;
        try (InputStream in = file.toString().endsWith(".gz") ? new GZIPInputStream(Files.newInputStream(file)) : Files.newInputStream(file)) {
            raw = in.readAllBytes();
        }
        ByteBuffer b = ByteBuffer.wrap(raw);
        if (raw.length < 4 || raw[0] != 0 || raw[1] != 0 || raw[2] != 0x08) throw new IOException(file + " is not an unsigned-byte IDX file");
        int axes = raw[3];
        if (axes < 2) throw new IOException(file + " has " + axes + " axes; images need at least 2");
        int count = b.getInt(4);
        long pixels = 1;
        for (int a = 1; a < axes; a++) pixels *= b.getInt(4 + 4 * a);
        int offset = 4 + 4 * axes;
        if (raw.length < offset + count * pixels) throw new IOException(file + " is truncated");
        int take = Math.min(n, count);
        float[][] out = new float[take][(int) pixels];
        for (int i = 0; i < take; i++) {
            for (int p = 0; p < pixels; p++) {
                int v = raw[offset + (int) (i * pixels) + p] & 0xff;
                out[i][p] = (float) (lo + (hi - lo) * v / 255.0);
            }
        }
        return out;
    }
}
