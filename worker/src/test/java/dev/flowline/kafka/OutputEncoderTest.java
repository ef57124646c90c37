package dev.flowline.kafka;

import dev.flowline.avro.OutputFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class OutputEncoderTest {

    @Test
    void greyPngMapsTheValueRangeOntoBytesWithClampingAndNaN() throws IOException {
        // 2 x 3 image, row-major
        float[] v = {-1f, 0f, 1f, -5f, 5f, Float.NaN};
        OutputEncoder.Encoded e = OutputEncoder.encode(v, new int[]{1, 2, 3}, OutputFormat.PNG, -1, 1);
        assertThat(e.mediaType()).isEqualTo("image/png");
        assertThat(e.shape()).containsExactly(1, 2, 3);
        BufferedImage img = ImageIO.read(new ByteArrayInputStream(e.data()));
        assertThat(img.getWidth()).isEqualTo(3);
        assertThat(img.getHeight()).isEqualTo(2);
        assertThat(img.getRaster().getNumBands()).isEqualTo(1);
        int[] px = img.getRaster().getSamples(0, 0, 3, 2, 0, (int[]) null);
        assertThat(px).containsExactly(0, 128, 255, 0, 255, 0);
    }

    @Test
    void rgbPngKeepsChannelsApartAndInOrder() throws IOException {
        // 3 channels of a 1 x 2 image: R plane, G plane, B plane
        float[] v = {1f, 0f, /* G */ 0f, 1f, /* B */ 0.5f, 0.5f};
        byte[] png = OutputEncoder.encode(v, new int[]{3, 1, 2}, OutputFormat.PNG, 0, 1).data();
        BufferedImage img = ImageIO.read(new ByteArrayInputStream(png));
        assertThat(img.getRaster().getNumBands()).isEqualTo(3);
        assertThat(img.getRaster().getPixel(0, 0, (int[]) null)).containsExactly(255, 0, 128);
        assertThat(img.getRaster().getPixel(1, 0, (int[]) null)).containsExactly(0, 255, 128);
    }

    @Test
    void aTwoAxisShapeIsAGreyImage() throws IOException {
        byte[] png = OutputEncoder.encode(new float[]{0, 1, 2, 3}, new int[]{2, 2}, OutputFormat.PNG, 0, 3).data();
        BufferedImage img = ImageIO.read(new ByteArrayInputStream(png));
        assertThat(img.getRaster().getSamples(0, 0, 2, 2, 0, (int[]) null)).containsExactly(0, 85, 170, 255);
    }

    @Test
    void rawFloat32IsLittleEndianAndBitExact() {
        float[] v = {0f, -0f, 1.5f, -2.25e-7f, Float.MAX_VALUE, Float.NaN, Float.NEGATIVE_INFINITY};
        OutputEncoder.Encoded e = OutputEncoder.encode(v, new int[]{7}, OutputFormat.RAW_FLOAT32, -1, 1);
        assertThat(e.mediaType()).isEqualTo("application/x-float32-le");
        assertThat(e.data()).hasSize(28);
        // 1.5f = 0x3FC00000 → little-endian bytes 00 00 C0 3F
        assertThat(new byte[]{e.data()[8], e.data()[9], e.data()[10], e.data()[11]}).containsExactly(0, 0, (byte) 0xC0, 0x3F);
        float[] back = OutputEncoder.decodeRawFloat32(e.data());
        for (int i = 0; i < v.length; i++) {
            assertThat(Float.floatToRawIntBits(back[i])).isEqualTo(Float.floatToRawIntBits(v[i]));
        }
    }

    @Test
    void pngOfANonImageShapeIsRefusedWithAClearMessage() {
        assertThatThrownBy(() -> OutputEncoder.encode(new float[16], new int[]{16}, OutputFormat.PNG, -1, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[16]").hasMessageContaining("RAW_FLOAT32");
        assertThatThrownBy(() -> OutputEncoder.encode(new float[10], new int[]{2, 2, 2}, OutputFormat.PNG, -1, 1))
                .hasMessageContaining("10 values");
    }

    @ParameterizedTest
    @EnumSource(OutputFormat.class)
    void everyFormatEncodesAFashionMnistSizedSample(OutputFormat format) {
        float[] v = new float[28 * 28];
        for (int i = 0; i < v.length; i++) v[i] = (float) Math.sin(i * 0.1);
        OutputEncoder.Encoded e = OutputEncoder.encode(v, new int[]{1, 28, 28}, format, -1, 1);
        assertThat(e.data().length).isBetween(64, 28 * 28 * 4);
    }
}
