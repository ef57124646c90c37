package dev.flowline.bench;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.io.IOException;
import java.nio.file.Files;
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

    /**
     * Writes a line chart with markers; log axes where asked. The legend sits inside the top right corner, or to the
     * right of the plot when there are more than four series. Returns the file written.
     */
    public static Path line(Path file, String title, String xLabel, String yLabel, boolean logX, boolean logY, List<Series> series)
            throws IOException {
        return line(file, title, xLabel, yLabel, logX, logY,
                series.size() > 4 ? Styler.LegendPosition.OutsideE : Styler.LegendPosition.InsideNE, series);
    }

    /** {@link #line(Path, String, String, String, boolean, boolean, List)} with the legend where asked. */
    public static Path line(Path file, String title, String xLabel, String yLabel, boolean logX, boolean logY,
                            Styler.LegendPosition legend, List<Series> series) throws IOException {
        // A legend beside the plot gets its own room rather than narrowing the plot.
        int width = legend == Styler.LegendPosition.OutsideE ? 1000 : 800;
        XYChart chart = new XYChartBuilder().width(width).height(520).title(title).xAxisTitle(xLabel).yAxisTitle(yLabel).build();
        chart.getStyler().setLegendPosition(legend);
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
        return save(file, chart);
    }

    /** One named bar series: a value per category (categories shared by every series of the chart). */
    public record Bars(String name, List<? extends Number> values) {
    }

    /** Writes a grouped bar chart, one group per category; log y where asked. Returns the file written. */
    public static Path bars(Path file, String title, String xLabel, String yLabel, boolean logY, List<String> categories,
                            List<Bars> series) throws IOException {
        CategoryChart chart = new CategoryChartBuilder().width(800).height(520).title(title).xAxisTitle(xLabel).yAxisTitle(yLabel).build();
        chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNW);
        chart.getStyler().setYAxisLogarithmic(logY);
        chart.getStyler().setChartBackgroundColor(java.awt.Color.WHITE);
        chart.getStyler().setPlotGridLinesVisible(true);
        if (logY) {
            // A log axis cannot start at a bar's base of 0: start it below the smallest value.
            double min = Double.POSITIVE_INFINITY;
            for (Bars b : series) for (Number v : b.values()) if (v.doubleValue() > 0) min = Math.min(min, v.doubleValue());
            if (Double.isFinite(min)) chart.getStyler().setYAxisMin(Math.pow(10, Math.floor(Math.log10(min))));
        }
        for (Bars b : series) {
            if (b.values().size() != categories.size()) {
                throw new IllegalArgumentException("bars " + b.name() + ": " + b.values().size() + " values for " + categories.size() + " categories");
            }
            chart.addSeries(b.name(), categories, b.values());
        }
        return save(file, chart);
    }

    private static Path save(Path file, org.knowm.xchart.internal.chartpart.Chart<?, ?> chart) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) Files.createDirectories(parent);
        String path = file.toString();
        String base = path.endsWith(".png") ? path.substring(0, path.length() - 4) : path;
        BitmapEncoder.saveBitmap(chart, base, BitmapEncoder.BitmapFormat.PNG);
        return Path.of(base + ".png");
    }
}
