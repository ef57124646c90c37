package dev.flowline.model;

/**
 * How models load: device choice and engine threads. PyTorch's thread counts are process-wide and read once at
 * engine start ({@code -Dai.djl.pytorch.num_threads}, {@code -Dai.djl.pytorch.num_interop_threads}), so only
 * ONNX Runtime's are here, per model.
 *
 * @param device            auto, cpu or gpu
 * @param onnxIntraOpThreads ONNX Runtime threads inside one operator; 0 leaves ONNX Runtime's default (all cores)
 * @param onnxInterOpThreads ONNX Runtime threads across independent operators; 0 leaves the default
 */
public record ModelRuntimeOptions(DeviceMode device, int onnxIntraOpThreads, int onnxInterOpThreads) {
    /** Auto device, engine-default threads. */
    public static final ModelRuntimeOptions DEFAULT = new ModelRuntimeOptions(DeviceMode.AUTO, 0, 0);

    public ModelRuntimeOptions {
        if (device == null) throw new IllegalArgumentException("device must be given (auto, cpu or gpu)");
        if (onnxIntraOpThreads < 0) throw new IllegalArgumentException("onnxIntraOpThreads must be >= 0, got " + onnxIntraOpThreads);
        if (onnxInterOpThreads < 0) throw new IllegalArgumentException("onnxInterOpThreads must be >= 0, got " + onnxInterOpThreads);
    }

    /** The same options on another device mode. */
    public ModelRuntimeOptions withDevice(DeviceMode mode) {
        return new ModelRuntimeOptions(mode, onnxIntraOpThreads, onnxInterOpThreads);
    }
}
