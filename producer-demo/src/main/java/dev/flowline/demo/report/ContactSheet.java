package dev.flowline.demo.report;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A labelled grid of sample images: one row per row label (e.g. class), one column per column label (e.g. sampler),
 * each cell showing that cell's samples side by side, scaled up with nearest-neighbour so pixels stay crisp.
 */
public final class ContactSheet {
    private static final int PAD = 6;

    private final List<String> rows;
    private final List<String> columns;
    private final Map<String, List<BufferedImage>> cells = new LinkedHashMap<>();
    private final int scale;

    public ContactSheet(List<String> rows, List<String> columns, int scale) {
        if (rows.isEmpty() || columns.isEmpty()) throw new IllegalArgumentException("a contact sheet needs at least one row and one column");
        if (scale < 1) throw new IllegalArgumentException("scale must be >= 1, got " + scale);
        this.rows = List.copyOf(rows);
        this.columns = List.copyOf(columns);
        this.scale = scale;
    }

    public void add(String row, String column, BufferedImage image) {
        if (!rows.contains(row)) throw new IllegalArgumentException("unknown row " + row);
        if (!columns.contains(column)) throw new IllegalArgumentException("unknown column " + column);
        cells.computeIfAbsent(row + "\u0000" + column, k -> new ArrayList<>()).add(image);
    }

    public BufferedImage render() {
        int imgW = 1, imgH = 1, perCell = 1;
        for (List<BufferedImage> imgs : cells.values()) {
            perCell = Math.max(perCell, imgs.size());
            for (BufferedImage i : imgs) {
                imgW = Math.max(imgW, i.getWidth());
                imgH = Math.max(imgH, i.getHeight());
            }
        }
        Font font = new Font(Font.SANS_SERIF, Font.PLAIN, 13);
        BufferedImage probe = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB);
        Graphics2D pg = probe.createGraphics();
        FontMetrics fm = pg.getFontMetrics(font);
        int labelW = rows.stream().mapToInt(fm::stringWidth).max().orElse(0) + 2 * PAD;
        pg.dispose();

        int cellW = perCell * imgW * scale + (perCell - 1) * 2 + PAD;
        int cellH = imgH * scale + PAD;
        int headerH = fm.getHeight() * 2 + PAD;
        for (String c : columns) cellW = Math.max(cellW, fm.stringWidth(c) + PAD);
        int width = labelW + columns.size() * cellW + PAD;
        int height = headerH + rows.size() * cellH + PAD;

        BufferedImage sheet = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = sheet.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_NEAREST_NEIGHBOR);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, width, height);
        g.setFont(font);
        g.setColor(Color.DARK_GRAY);
        for (int c = 0; c < columns.size(); c++) {
            int x = labelW + c * cellW;
            g.drawString(columns.get(c), x, headerH - PAD - 2);
        }
        for (int r = 0; r < rows.size(); r++) {
            int y = headerH + r * cellH;
            g.setColor(Color.DARK_GRAY);
            g.drawString(rows.get(r), PAD, y + (imgH * scale + fm.getAscent()) / 2);
            for (int c = 0; c < columns.size(); c++) {
                List<BufferedImage> imgs = cells.getOrDefault(rows.get(r) + "\u0000" + columns.get(c), List.of());
                int x = labelW + c * cellW;
                for (BufferedImage img : imgs) {
                    g.drawImage(img, x, y, img.getWidth() * scale, img.getHeight() * scale, null);
                    x += imgW * scale + 2;
                }
            }
        }
        g.dispose();
        return sheet;
    }

    public void writePng(Path file) throws IOException {
        if (!ImageIO.write(render(), "png", file.toFile())) throw new IOException("no PNG writer available");
    }
}
