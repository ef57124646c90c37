package dev.flowline.bench;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Line charts of benchmark figures as PNG files (XChart). */
public final class Charts {
    private Charts() {}

    /** One named series: x and y values of equal length. */
    public record Series(String name, List<? extends Number> x, List<? extends Number> y) {
        public Series {
            if (x.size() != y.size()) throw new IllegalArgumentException("series " + name + ": " + x.size() + " x values but " + y.size() + " y values");
        }
    }

    /** Writes a line chart with markers; log axes where asked. Returns the file written. */
    public static Path line(Path file, String title, String xLabel, String yLabel, boolean logX, boolean logY, List<Series> series)
            throws IOException {
        XYChart chart = new XYChartBuilder().width(800).height(520).title(title).xAxisTitle(xLabel).yAxisTitle(yLabel).build();
        chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNE);
        chart.getStyler().setXAxisLogarithmic(logX);
        chart.getStyler().setYAxisLogarithmic(logY);
        chart.getStyler().setChartBackgroundColor(java.awt.Color.WHITE);
        chart.getStyler().setPlotGridLinesVisible(true);
        Map<String, Integer> seen = new LinkedHashMap<>();
        for (Series s : series) {
            if (s.x().isEmpty()) continue;
            String name = s.name();
            int n = seen.merge(name, 1, Integer::sum);
            if (n > 1) name = name + " (" + n + ")";
            chart.addSeries(name, s.x(), s.y()).setMarker(SeriesMarkers.CIRCLE);
        }
        String path = file.toString();
        String base = path.endsWith(".png") ? path.substring(0, path.length() - 4) : path;
        BitmapEncoder.saveBitmap(chart, base, BitmapEncoder.BitmapFormat.PNG);
        return Path.of(base + ".png");
    }
}
