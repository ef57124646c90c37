package dev.flowline.kafka;

/**
 * The PNG of a preview: the estimate encoded like an output sample ({@link OutputEncoder#png}, same value range),
 * size-bounded so that a progress event stays small. An image larger than {@value #MAX_SIDE} pixels on a side is
 * first downscaled by an integer factor (box average over each block, so no value range is exceeded); a PNG still
 * over {@value #MAX_BYTES} bytes is not sent. At most 64 × 64 × 4 channels that bound cannot be reached (16 KiB of
 * pixels before compression), so in practice it only guards against encoder surprises.
 */
public final class PreviewEncoder {
    /** Largest side of a preview image, in pixels. */
    public static final int MAX_SIDE = 64;
    /** Largest preview PNG, in bytes. */
    public static final int MAX_BYTES = 32 * 1024;

    private PreviewEncoder() {}

    /** The preview PNG, or null when it would exceed {@link #MAX_BYTES}. */
    public static byte[] png(float[] estimate, OutputEncoder.ImageGeometry g, double lo, double hi) {
        int factor = Math.ceilDiv(Math.max(g.height(), g.width()), MAX_SIDE);
        OutputEncoder.ImageGeometry small = g;
        float[] values = estimate;
        if (factor > 1) {
            small = new OutputEncoder.ImageGeometry(g.channels(), Math.ceilDiv(g.height(), factor), Math.ceilDiv(g.width(), factor));
            values = boxDownscale(estimate, g, small, factor);
        }
        byte[] png = OutputEncoder.png(values, small, lo, hi);
        return png.length > MAX_BYTES ? null : png;
    }

    /** Each output pixel is the mean of the (up to factor × factor) input pixels of its block, per channel. */
    static float[] boxDownscale(float[] v, OutputEncoder.ImageGeometry from, OutputEncoder.ImageGeometry to, int factor) {
        float[] out = new float[to.channels() * to.height() * to.width()];
        for (int c = 0; c < from.channels(); c++) {
            int inPlane = c * from.height() * from.width();
            int outPlane = c * to.height() * to.width();
            for (int y = 0; y < to.height(); y++) {
                for (int x = 0; x < to.width(); x++) {
                    double sum = 0;
                    int n = 0;
                    for (int yy = y * factor; yy < Math.min(from.height(), (y + 1) * factor); yy++) {
                        for (int xx = x * factor; xx < Math.min(from.width(), (x + 1) * factor); xx++) {
                            sum += v[inPlane + yy * from.width() + xx];
                            n++;
                        }
                    }
                    out[outPlane + y * to.width() + x] = (float) (sum / n);
                }
            }
        }
        return out;
    }
}
