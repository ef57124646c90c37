package dev.flowline.demo.report;

import org.junit.jupiter.api.Test;

import java.awt.image.BufferedImage;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ContactSheetTest {

    @Test
    void cellsAreDrawnScaledAtTheirRowAndColumn() {
        ContactSheet sheet = new ContactSheet(List.of("Trouser", "Bag"), List.of("Euler 4", "Heun 8"), 2);
        BufferedImage black = new BufferedImage(4, 4, BufferedImage.TYPE_BYTE_GRAY); // all zero
        sheet.add("Bag", "Heun 8", black);
        BufferedImage out = sheet.render();

        // Exactly one 8x8 block of black pixels (the scaled 4x4 image): count pure-black pixels.
        int blackPixels = 0, minX = Integer.MAX_VALUE, minY = Integer.MAX_VALUE;
        for (int y = 0; y < out.getHeight(); y++) {
            for (int x = 0; x < out.getWidth(); x++) {
                if ((out.getRGB(x, y) & 0xFFFFFF) == 0) {
                    blackPixels++;
                    minX = Math.min(minX, x);
                    minY = Math.min(minY, y);
                }
            }
        }
        assertThat(blackPixels).isEqualTo(64);
        // The second row and second column: below and right of the centre of the sheet's label area.
        assertThat(minX).isGreaterThan(out.getWidth() / 2);
        assertThat(minY).isGreaterThan(out.getHeight() / 2);
    }

    @Test
    void unknownRowIsRejectedWithItsName() {
        ContactSheet sheet = new ContactSheet(List.of("a"), List.of("b"), 1);
        assertThatThrownBy(() -> sheet.add("zzz", "b", new BufferedImage(1, 1, BufferedImage.TYPE_BYTE_GRAY)))
                .hasMessageContaining("zzz");
    }
}
