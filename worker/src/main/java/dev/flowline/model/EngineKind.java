package dev.flowline.model;

import java.util.Arrays;
import java.util.stream.Collectors;

/** The DJL engines a model can run on; a closed set so that a manifest typo fails at load, not at first call. */
public enum EngineKind {
    /** ONNX Runtime: {@code .onnx} files, threads configurable per model. */
    ONNX_RUNTIME("OnnxRuntime"),
    /** PyTorch (libtorch): TorchScript {@code .pt} files; also DJL's default engine for plain NDArray maths. */
    PYTORCH("PyTorch");

    private final String djlName;

    EngineKind(String djlName) {
        this.djlName = djlName;
    }

    /** The engine name DJL and the manifest use ({@code "OnnxRuntime"}, {@code "PyTorch"}). */
    public String djlName() {
        return djlName;
    }

    /** Parses a manifest or configuration value; exact DJL spelling, case-insensitive. */
    public static EngineKind fromName(String name) {
        for (EngineKind k : values()) {
            if (k.djlName.equalsIgnoreCase(name)) return k;
        }
        throw new IllegalArgumentException("unknown engine '" + name + "', expected one of "
                + Arrays.stream(values()).map(EngineKind::djlName).collect(Collectors.joining(", ")));
    }

    @Override
    public String toString() {
        return djlName;
    }
}
