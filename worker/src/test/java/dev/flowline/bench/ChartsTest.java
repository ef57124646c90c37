package dev.flowline.bench;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ChartsTest {

    @Test
    void writesAReadablePng(@TempDir Path dir) throws Exception {
        Path out = Charts.line(dir.resolve("rows.png"), "rows/s", "batch", "rows/s", true, false,
                List.of(new Charts.Series("raw", List.of(1, 2, 4), List.of(10.0, 19.0, 35.0))));
        BufferedImage img = ImageIO.read(out.toFile());
        assertThat(img.getWidth()).isEqualTo(800);
        assertThat(img.getHeight()).isEqualTo(520);
    }

    @Test
    void mismatchedSeriesNameTheSeries() {
        assertThatThrownBy(() -> new Charts.Series("p99", List.of(1, 2), List.of(1.0)))
                .hasMessageContaining("p99");
    }
}
