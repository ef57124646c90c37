package dev.flowline.kafka;

import dev.flowline.model.PipelineStage;

import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.Iterator;

/**
 * An image-to-image job's {@code initImage.data} → the encoder's input row: a PNG of exactly the encoder's pixel shape
 * ({@code [C, H, W]} or {@code [H, W]}; grey for C = 1, RGB for 3, RGBA for 4), its 0..max samples mapped linearly onto
 * the stage's value range, the inverse of {@link OutputEncoder#png}. A result PNG fed back in is thus the decoded
 * sample up to 8-bit rounding. Pure and thread-safe; it runs on the intake's worker threads.
 *
 * <p>Every rejection names {@code initImage.data}. The size is read from the header before any pixel is inflated, so a
 * small file claiming a huge image costs nothing.
 */
public final class InitImages {
    static final String FIELD = "initImage.data";

    static {
        ImageIO.setUseCache(false); // in-memory streams only, no temporary files
    }

    private InitImages() {}

    /**
     * The encoder input for {@code png}, channel-first.
     *
     * @throws InvalidJobException ({@code initImage.data}) when the bytes are not a PNG, or not of the stage's size or channels
     */
    public static float[] pixels(byte[] png, PipelineStage encoder) throws InvalidJobException {
        OutputEncoder.ImageGeometry g = OutputEncoder.imageGeometry(encoder.inputShape()).orElseThrow(() ->
                InvalidJobException.field("initImage", "the encoder takes shape " + Arrays.toString(encoder.inputShape())
                        + ", which is not an image"));
        BufferedImage img = read(png, g);
        int channels = img.getColorModel().getNumComponents();
        if (channels != g.channels()) {
            throw InvalidJobException.field(FIELD, "expected " + describe(g.channels()) + ", got " + describe(channels)
                    + " (" + g.width() + "x" + g.height() + " " + describe(g.channels()) + " PNG expected)");
        }
        double lo = encoder.valueRange().min();
        double hi = encoder.valueRange().max();
        int plane = g.height() * g.width();
        float[] out = new float[g.channels() * plane];
        ColorModel cm = img.getColorModel();
        Raster raster = img.getRaster();
        boolean direct = !(cm instanceof java.awt.image.IndexColorModel);
        Object pixel = null;
        for (int y = 0; y < g.height(); y++) {
            for (int x = 0; x < g.width(); x++) {
                pixel = raster.getDataElements(x, y, pixel);
                for (int c = 0; c < g.channels(); c++) {
                    double unit = direct && g.channels() == 1
                            // grey: the raw sample over its own depth (8 or 16 bits), no colour-space conversion
                            ? raster.getSample(x, y, 0) / (double) ((1 << cm.getComponentSize(0)) - 1)
                            : component(cm, pixel, c) / 255.0;
                    out[c * plane + y * g.width() + x] = (float) (lo + (hi - lo) * unit);
                }
            }
        }
        return out;
    }

    /** Channel c (R, G, B, A order) of a pixel, 0..255 (palettes and 16-bit samples reduced by the colour model). */
    private static int component(ColorModel cm, Object pixel, int c) {
        return switch (c) {
            case 0 -> cm.getRed(pixel);
            case 1 -> cm.getGreen(pixel);
            case 2 -> cm.getBlue(pixel);
            default -> cm.getAlpha(pixel);
        };
    }

    private static BufferedImage read(byte[] png, OutputEncoder.ImageGeometry g) throws InvalidJobException {
        if (png == null || png.length == 0) throw InvalidJobException.field(FIELD, "is empty; expected PNG bytes");
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(png))) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            ImageReader reader = null;
            while (readers.hasNext()) {
                ImageReader r = readers.next();
                if (r.getFormatName().equalsIgnoreCase("png")) reader = r;
                else r.dispose();
            }
            if (reader == null) throw InvalidJobException.field(FIELD, "is not a PNG (" + png.length + " bytes)");
            try {
                reader.setInput(in, true, true);
                int w = reader.getWidth(0);
                int h = reader.getHeight(0);
                if (w != g.width() || h != g.height()) {
                    throw InvalidJobException.field(FIELD, "expected a " + g.width() + "x" + g.height() + " image, got "
                            + w + "x" + h);
                }
                return reader.read(0);
            } finally {
                reader.dispose();
            }
        } catch (IOException | RuntimeException e) { // a truncated or corrupt PNG: ImageIO throws either
            throw new InvalidJobException(InvalidJobException.INVALID_FIELD, FIELD, "is not a readable PNG: " + e.getMessage(), e);
        }
    }

    private static String describe(int channels) {
        return switch (channels) {
            case 1 -> "1 channel (grey)";
            case 2 -> "2 channels (grey and alpha)";
            case 3 -> "3 channels (RGB)";
            case 4 -> "4 channels (RGBA)";
            default -> channels + " channels";
        };
    }
}
