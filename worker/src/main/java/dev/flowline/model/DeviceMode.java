package dev.flowline.model;

import java.util.Locale;

/** Which device models load on: the GPU when the engine sees one ({@link #AUTO}), or a fixed choice. */
public enum DeviceMode {
    /** GPU 0 when the model's engine reports a GPU, otherwise the CPU. */
    AUTO,
    /** Always the CPU. */
    CPU,
    /** GPU 0; loading fails with a clear error when the engine sees none (no silent fallback to a slow CPU). */
    GPU;

    /** Parses {@code auto|cpu|gpu}, case-insensitive. */
    public static DeviceMode parse(String s) {
        try {
            return valueOf(s.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new IllegalArgumentException("device must be one of auto, cpu, gpu; got '" + s + "'", e);
        }
    }
}
