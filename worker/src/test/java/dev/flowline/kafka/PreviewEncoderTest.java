package dev.flowline.kafka;

import org.junit.jupiter.api.Test;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;

import static org.assertj.core.api.Assertions.assertThat;

class PreviewEncoderTest {

    private static BufferedImage decode(byte[] png) throws Exception {
        return ImageIO.read(new ByteArrayInputStream(png));
    }

    @Test
    void aSmallImageIsEncodedAsTheOutputsAre() throws Exception {
        OutputEncoder.ImageGeometry g = new OutputEncoder.ImageGeometry(1, 4, 4);
        float[] v = new float[16];
        for (int i = 0; i < 16; i++) v[i] = (i - 8) / 8f;
        assertThat(PreviewEncoder.png(v, g, -1, 1)).isEqualTo(OutputEncoder.png(v, g, -1, 1));
    }

    @Test
    void aLargeImageIsDownscaledToAtMost64PixelsASideAndStaysUnderTheByteBound() throws Exception {
        OutputEncoder.ImageGeometry g = new OutputEncoder.ImageGeometry(3, 200, 130);
        float[] v = new float[g.channels() * 200 * 130];
        java.util.SplittableRandom r = new java.util.SplittableRandom(1);
        for (int i = 0; i < v.length; i++) v[i] = (float) (r.nextDouble() * 2 - 1); // noise: the worst case for PNG
        byte[] png = PreviewEncoder.png(v, g, -1, 1);
        assertThat(png).isNotNull();
        assertThat(png.length).isLessThanOrEqualTo(PreviewEncoder.MAX_BYTES);
        BufferedImage img = decode(png);
        assertThat(img.getHeight()).isEqualTo(50); // factor ceil(200 / 64) = 4
        assertThat(img.getWidth()).isEqualTo(33);
    }

    @Test
    void downscalingAveragesEachBlockIncludingAPartialLastOne() {
        OutputEncoder.ImageGeometry from = new OutputEncoder.ImageGeometry(1, 3, 3);
        OutputEncoder.ImageGeometry to = new OutputEncoder.ImageGeometry(1, 2, 2);
        float[] v = {1, 3, 5,
                     3, 5, 7,
                     9, 9, 2};
        assertThat(PreviewEncoder.boxDownscale(v, from, to, 2)).containsExactly(3f, 6f, 9f, 2f);
    }
}
