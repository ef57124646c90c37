package dev.flowline.demo.report;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class HtmlReportTest {

    @Test
    void everyJobIsARowAndUserTextIsEscaped(@TempDir Path dir) throws Exception {
        Path page = dir.resolve("index.html");
        HtmlReport.write(page, "Run <1>", "sheet.png", Map.of("jobs", 2), List.of(
                new HtmlReport.JobRow("job-a", "Bag", "heun 8", "SUCCEEDED", 2, 120.4, 16, 12.5, null, new byte[]{1, 2, 3}),
                new HtmlReport.JobRow("job-<b>", "Coat", "euler 4", "FAILED", 1, 3.0, 0, 0, "MODEL_ERROR: x & y", null)));
        String html = Files.readString(page);
        assertThat(html).contains("<title>Run &lt;1&gt;</title>");
        assertThat(html).contains("src=\"sheet.png\"");
        assertThat(html.split("<tr><td>", -1)).hasSize(3);
        assertThat(html).contains("job-&lt;b&gt;").doesNotContain("job-<b>");
        assertThat(html).contains("MODEL_ERROR: x &amp; y");
        assertThat(html).contains("data:image/png;base64,AQID");
    }

    @Test
    void aPreviewStripShowsEachFrameWithItsLabelAboveTheTable(@TempDir Path dir) throws Exception {
        Path page = dir.resolve("index.html");
        HtmlReport.write(page, "Run", "sheet.png", Map.of(), List.of(), "Job <p> asked for previews", List.of(
                new HtmlReport.PreviewFrame("step 2, t = 0.13", new byte[]{1}),
                new HtmlReport.PreviewFrame("final", new byte[]{2})));
        String html = Files.readString(page);
        assertThat(html).contains("<h2>Live previews</h2>").contains("Job &lt;p&gt; asked for previews");
        assertThat(html.split("<figure>", -1)).hasSize(3);
        assertThat(html).contains("data:image/png;base64,AQ==").contains("data:image/png;base64,Ag==");
        assertThat(html.indexOf("Live previews")).isLessThan(html.indexOf("<h2>Jobs</h2>"));

        HtmlReport.write(page, "Run", "sheet.png", Map.of(), List.of());
        assertThat(Files.readString(page)).doesNotContain("Live previews");
    }
}
