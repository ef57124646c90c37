package dev.flowline.demo.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/** A self-contained HTML page: the contact sheet, the run's summary figures and one table row per job. */
public final class HtmlReport {
    private HtmlReport() {}

    /**
     * One job in the table.
     *
     * @param firstSamplePng PNG bytes of the job's first sample (shown inline), or null
     */
    public record JobRow(String jobId, String row, String column, String status, int samples, double latencyMs,
                         int nfe, double meanBatchRows, String error, byte[] firstSamplePng) {}

    /** One image of a live-preview strip: what a job's progress showed at some step (or its final sample). */
    public record PreviewFrame(String label, byte[] png) {}

    public static void write(Path file, String title, String sheetFile, Map<String, ?> summary, List<JobRow> jobs) throws IOException {
        write(file, title, sheetFile, summary, jobs, null, List.of());
    }

    /**
     * As above, with a strip of one job's live previews ({@code stripTitle} says which job) above the table; no strip
     * when {@code strip} is empty.
     */
    public static void write(Path file, String title, String sheetFile, Map<String, ?> summary, List<JobRow> jobs,
                             String stripTitle, List<PreviewFrame> strip) throws IOException {
        StringBuilder h = new StringBuilder(16_384);
        h.append("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>").append(esc(title)).append("</title>\n<style>")
         .append("body{font-family:system-ui,sans-serif;margin:2em;color:#222;max-width:1200px}")
         .append("table{border-collapse:collapse;font-size:13px}td,th{border-bottom:1px solid #ddd;padding:3px 8px;text-align:left}")
         .append("th{background:#f4f4f4}td.num{text-align:right;font-variant-numeric:tabular-nums}")
         .append(".SUCCEEDED{color:#16794c}.FAILED,.EXPIRED,.CANCELLED{color:#b3261e;font-weight:600}")
         .append("img.sheet{max-width:100%;border:1px solid #ddd}img.s{width:42px;image-rendering:pixelated}")
         .append("dl{display:grid;grid-template-columns:max-content auto;gap:2px 16px}dt{color:#666}")
         .append(".strip{display:flex;gap:10px;flex-wrap:wrap}.strip figure{margin:0;text-align:center;font-size:12px;color:#555}")
         .append(".strip img{width:84px;image-rendering:pixelated;border:1px solid #ddd;display:block}")
         .append("</style></head><body>\n");
        h.append("<h1>").append(esc(title)).append("</h1>\n");
        h.append("<dl>");
        summary.forEach((k, v) -> h.append("<dt>").append(esc(k)).append("</dt><dd>").append(esc(String.valueOf(v))).append("</dd>"));
        h.append("</dl>\n");
        h.append("<h2>Samples</h2>\n<img class=\"sheet\" src=\"").append(esc(sheetFile)).append("\" alt=\"contact sheet\">\n");
        if (!strip.isEmpty()) {
            h.append("<h2>Live previews</h2>\n<p>").append(esc(stripTitle)).append("</p>\n<div class=\"strip\">");
            for (PreviewFrame f : strip) {
                h.append("<figure><img alt=\"").append(esc(f.label())).append("\" src=\"data:image/png;base64,")
                 .append(Base64.getEncoder().encodeToString(f.png())).append("\"><figcaption>").append(esc(f.label()))
                 .append("</figcaption></figure>");
            }
            h.append("</div>\n");
        }
        h.append("<h2>Jobs</h2>\n<table><thead><tr><th>job</th><th>class</th><th>sampler</th><th>status</th><th>samples</th>")
         .append("<th>latency ms</th><th>NFE</th><th>mean batch rows</th><th>first sample</th></tr></thead><tbody>\n");
        for (JobRow j : jobs) {
            h.append("<tr><td>").append(esc(j.jobId())).append("</td><td>").append(esc(j.row())).append("</td><td>")
             .append(esc(j.column())).append("</td><td class=\"").append(esc(j.status())).append("\">").append(esc(j.status()));
            if (j.error() != null) h.append(": ").append(esc(j.error()));
            h.append("</td><td class=\"num\">").append(j.samples()).append("</td><td class=\"num\">")
             .append(String.format("%.0f", j.latencyMs())).append("</td><td class=\"num\">").append(j.nfe())
             .append("</td><td class=\"num\">").append(String.format("%.1f", j.meanBatchRows())).append("</td><td>");
            if (j.firstSamplePng() != null) {
                h.append("<img class=\"s\" alt=\"sample\" src=\"data:image/png;base64,")
                 .append(Base64.getEncoder().encodeToString(j.firstSamplePng())).append("\">");
            }
            h.append("</td></tr>\n");
        }
        h.append("</tbody></table>\n</body></html>\n");
        Files.writeString(file, h, StandardCharsets.UTF_8);
    }

    static String esc(String s) {
        if (s == null) return "";
        StringBuilder b = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            switch (c) {
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '&' -> b.append("&amp;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }
}
