package dev.flowline.kafka;

import dev.flowline.avro.OutputFormat;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.awt.image.WritableRaster;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Optional;

/**
 * Turns one finished sample into output bytes: an 8-bit PNG (grey, RGB or RGBA) or raw little-endian float32.
 * Pure and thread-safe; run it on a worker thread (PNG compression is CPU work).
 *
 * <p>PNG maps the model's value range [lo, hi] linearly onto 0..255: values are clamped into the range, NaN
 * becomes lo. Samples are channel-first ({@code [C, H, W]}, or {@code [H, W]} for grey).
 */
public final class OutputEncoder {
    public static final String MEDIA_PNG = "image/png";
    public static final String MEDIA_RAW = "application/x-float32-le";

    static {
        ImageIO.setUseCache(false); // in-memory streams only, no temporary files
    }

    private OutputEncoder() {}

    /** An encoded sample and the shape it was encoded from. */
    public record Encoded(byte[] data, String mediaType, int[] shape) {}

    /** Channels, height and width of a sample seen as an image. */
    public record ImageGeometry(int channels, int height, int width) {
        public ImageGeometry {
            if (channels != 1 && channels != 3 && channels != 4) throw new IllegalArgumentException("image channels must be 1, 3 or 4, got " + channels);
            if (height < 1 || width < 1) throw new IllegalArgumentException("image height and width must be positive");
        }

        int size() {
            return channels * height * width;
        }
    }

    /** How a sample shape maps to an image: {@code [H, W]}, or {@code [C, H, W]} with C in {1, 3, 4}. */
    public static Optional<ImageGeometry> imageGeometry(int[] shape) {
        if (shape.length == 2) return Optional.of(new ImageGeometry(1, shape[0], shape[1]));
        if (shape.length == 3 && (shape[0] == 1 || shape[0] == 3 || shape[0] == 4)) {
            return Optional.of(new ImageGeometry(shape[0], shape[1], shape[2]));
        }
        return Optional.empty();
    }

    /**
     * Encodes a sample in the given format.
     *
     * @throws IllegalArgumentException when PNG is asked for a shape that is not an image, or sizes do not match
     */
    public static Encoded encode(float[] values, int[] shape, OutputFormat format, double lo, double hi) {
        int size = Arrays.stream(shape).reduce(1, (a, b) -> a * b);
        if (values.length != size) {
            throw new IllegalArgumentException("sample has " + values.length + " values, shape " + Arrays.toString(shape) + " holds " + size);
        }
        return switch (format) {
            case RAW_FLOAT32 -> new Encoded(rawFloat32(values), MEDIA_RAW, shape.clone());
            case PNG -> {
                ImageGeometry g = imageGeometry(shape).orElseThrow(() ->
                        new IllegalArgumentException("shape " + Arrays.toString(shape) + " is not an image; ask for RAW_FLOAT32"));
                yield new Encoded(png(values, g, lo, hi), MEDIA_PNG, shape.clone());
            }
        };
    }

    /** Little-endian IEEE 754 float32, row-major. */
    public static byte[] rawFloat32(float[] values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(values);
        return b.array();
    }

    /** Decodes {@link #rawFloat32} bytes (for clients and tests). */
    public static float[] decodeRawFloat32(byte[] data) {
        if (data.length % Float.BYTES != 0) throw new IllegalArgumentException("raw float32 data length " + data.length + " is not a multiple of 4");
        float[] out = new float[data.length / Float.BYTES];
        ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
        return out;
    }

    /** An 8-bit PNG of a channel-first sample. */
    public static byte[] png(float[] values, ImageGeometry g, double lo, double hi) {
        BufferedImage img = image(values, g, lo, hi);
        ByteArrayOutputStream out = new ByteArrayOutputStream(g.height() * g.width() * g.channels() / 2 + 128);
        try {
            if (!ImageIO.write(img, "png", out)) throw new IllegalStateException("no PNG writer available");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** An 8-bit image of a channel-first sample: [lo, hi] mapped linearly onto 0..255. */
    public static BufferedImage image(float[] values, ImageGeometry g, double lo, double hi) {
        if (!(lo < hi) || !Double.isFinite(lo) || !Double.isFinite(hi)) throw new IllegalArgumentException("value range [" + lo + ", " + hi + "] is not usable");
        if (values.length != g.size()) throw new IllegalArgumentException("sample has " + values.length + " values, image " + g + " needs " + g.size());
        int type = switch (g.channels()) {
            case 1 -> BufferedImage.TYPE_BYTE_GRAY;
            case 3 -> BufferedImage.TYPE_INT_RGB;
            default -> BufferedImage.TYPE_INT_ARGB;
        };
        BufferedImage img = new BufferedImage(g.width(), g.height(), type);
        WritableRaster raster = img.getRaster();
        int plane = g.height() * g.width();
        int[] samples = new int[plane];
        for (int c = 0; c < g.channels(); c++) {
            for (int i = 0; i < plane; i++) samples[i] = toByte(values[c * plane + i], lo, hi);
            // INT_ARGB rasters order their bands R, G, B, A, as the channel-first tensor does
            raster.setSamples(0, 0, g.width(), g.height(), c, samples);
        }
        return img;
    }

    /** [lo, hi] → 0..255, rounding to nearest; clamped; NaN → 0. */
    static int toByte(float v, double lo, double hi) {
        if (Float.isNaN(v)) return 0;
        double x = (v - lo) / (hi - lo);
        if (x <= 0) return 0;
        if (x >= 1) return 255;
        return (int) Math.round(x * 255.0);
    }
}
