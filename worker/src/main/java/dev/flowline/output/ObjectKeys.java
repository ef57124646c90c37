package dev.flowline.output;

import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Deterministic object keys: {@code <prefix>/<model>/<jobId>/<sampleIndex>.<ext>}. Sampling is deterministic per
 * (seed, sample index), so a redelivered job writes identical bytes under the same key: writes are idempotent and a
 * replay leaves one object per sample.
 *
 * <p>Model and job id are percent-encoded outside {@code [A-Za-z0-9._-]} (UTF-8), so that a job id holding {@code /}
 * cannot reach another job's keys, and {@code .} and {@code ..} segments are encoded too. The mapping is injective.
 */
public final class ObjectKeys {
    private ObjectKeys() {}

    public static String key(String prefix, String model, String jobId, int sampleIndex, String contentType) {
        String tail = segment(model) + "/" + segment(jobId) + "/" + sampleIndex + "." + extension(contentType);
        return prefix == null || prefix.isEmpty() ? tail : prefix + "/" + tail;
    }

    /** {@code png} for image/png, {@code f32} for raw little-endian float32, {@code bin} otherwise. */
    public static String extension(String contentType) {
        return switch (contentType.toLowerCase(Locale.ROOT)) {
            case "image/png" -> "png";
            case "application/x-float32-le" -> "f32";
            default -> "bin";
        };
    }

    static String segment(String s) {
        if (s.equals(".") || s.equals("..")) return s.replace(".", "%2E");
        StringBuilder b = new StringBuilder(s.length());
        for (byte x : s.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (x & 0xff);
            if (c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') b.append(c);
            else b.append('%').append(String.format("%02X", x & 0xff));
        }
        return b.toString();
    }
}
