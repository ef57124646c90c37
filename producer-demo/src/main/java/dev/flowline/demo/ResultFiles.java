package dev.flowline.demo;

import dev.flowline.avro.GenerationResult;
import dev.flowline.avro.SampleOutput;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes a result's outputs to files: {@code <jobId>-<index>.png} or {@code .f32} for raw tensors; samples stored by
 * reference are fetched (and checked against their SHA-256) first.
 */
final class ResultFiles {
    private ResultFiles() {}

    /** Reads a sample's bytes, following its reference if it has one. */
    @FunctionalInterface
    interface SampleBytes {
        byte[] of(SampleOutput o) throws IOException;
    }

    static int write(Path dir, GenerationResult result) throws IOException {
        return write(dir, result, o -> {
            if (o.getReference() != null) throw new IOException("sample " + o.getIndex() + " is stored at " + o.getReference().getUri()
                    + "; pass the store's settings (--s3-endpoint ...) to follow references");
            return bytes(o.getData());
        });
    }

    static int write(Path dir, GenerationResult result, SampleBytes source) throws IOException {
        Files.createDirectories(dir);
        int n = 0;
        for (SampleOutput out : result.getOutputs()) {
            String ext = out.getMediaType().equals("image/png") ? ".png" : ".f32";
            String safeId = result.getJobId().replaceAll("[^A-Za-z0-9._-]", "_");
            Files.write(dir.resolve(safeId + "-" + out.getIndex() + ext), source.of(out));
            n++;
        }
        return n;
    }

    /** The bytes of an Avro bytes field, leaving the buffer's position alone. */
    static byte[] bytes(ByteBuffer b) {
        ByteBuffer d = b.duplicate();
        byte[] out = new byte[d.remaining()];
        d.get(out);
        return out;
    }

    /** One line per result: status, samples, latency, NFE, and the reason when it did not succeed. */
    static String line(GenerationResult r) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format("%-36s %-9s samples=%d total=%dms queued=%dms nfe=%d batch=%.1f",
                r.getJobId(), r.getStatus(), r.getOutputs().size(), r.getTimings().getTotalMs(), r.getTimings().getQueuedMs(),
                r.getNfe(), r.getBatchStats().getMeanBatchRows()));
        long byRef = r.getOutputs().stream().filter(o -> o.getReference() != null).count();
        if (byRef > 0) sb.append(" by-reference=").append(byRef);
        if (r.getErrorCode() != null) sb.append(" ").append(r.getErrorCode()).append(": ").append(r.getErrorMessage());
        return sb.toString();
    }
}
