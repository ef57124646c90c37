package dev.flowline.model;

import ai.djl.Device;
import ai.djl.engine.Engine;

import java.nio.file.Path;

/** Process-wide DJL set-up the model package relies on: offline mode, engine lookup, device choice. */
final class DjlRuntime {
    private DjlRuntime() {}

    /**
     * Without offline mode DJL's engine start probes the network (a telemetry request to 169.254.169.254, and
     * downloads when a native library looks missing). Flowline ships its natives as Maven artifacts, so it never
     * needs the network: switch offline on unless the operator chose explicitly. Must run before the first engine start.
     */
    static void ensureOffline() {
        if (System.getProperty("ai.djl.offline") == null && System.getenv("DJL_OFFLINE") == null) {
            System.setProperty("ai.djl.offline", "true");
        }
    }

    /** The DJL engine for {@code kind}, or a load error naming the model and file when its natives fail to start. */
    static Engine engine(EngineKind kind, String model, Path file) {
        ensureOffline();
        try {
            return Engine.getEngine(kind.djlName());
        } catch (RuntimeException | UnsatisfiedLinkError e) {
            throw new ModelLoadException(model, file, "engine " + kind + " failed to start: " + e.getMessage(), e);
        }
    }

    /**
     * The device a model loads on. A GPU exists for an engine only if that engine's native build can use it (ONNX
     * Runtime needs the onnxruntime_gpu artifact, PyTorch CUDA natives); a GPU the engine cannot use counts as none.
     */
    static Device device(DeviceMode mode, EngineKind kind, String model, Path file) {
        if (mode == DeviceMode.CPU) return Device.cpu();
        int gpus = engine(kind, model, file).getGpuCount();
        if (gpus > 0) return Device.gpu(0);
        if (mode == DeviceMode.GPU) {
            throw new ModelLoadException(model, file, "device 'gpu' was requested but engine " + kind
                    + " sees no GPU (needs a CUDA build of the engine: see README, Maven profile 'gpu'); use 'auto' or 'cpu'");
        }
        return Device.cpu();
    }
}
