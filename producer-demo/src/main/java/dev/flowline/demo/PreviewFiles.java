package dev.flowline.demo;

import dev.flowline.avro.ProgressEvent;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes the preview PNG a progress event carries to {@code <jobId>-preview-s<step>-i<sampleIndex>.png}; the step is
 * zero-padded so that a directory listing sorts a job's previews in step order.
 */
final class PreviewFiles {
    private PreviewFiles() {}

    /** The file written, or null when the event carries no preview. */
    static Path write(Path dir, ProgressEvent e) throws IOException {
        if (e.getPreview() == null) return null;
        Files.createDirectories(dir);
        String safeId = e.getJobId().replaceAll("[^A-Za-z0-9._-]", "_");
        Path file = dir.resolve(String.format("%s-preview-s%05d-i%d.png", safeId, e.getStep(), e.getPreview().getSampleIndex()));
        Files.write(file, ResultFiles.bytes(e.getPreview().getPng()));
        return file;
    }
}
