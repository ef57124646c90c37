package dev.flowline.model;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.engine.Engine;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ModelNotFoundException;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.NoopTranslator;
import ai.djl.translate.TranslateException;
import java.io.IOException;
import java.util.function.Consumer;
import java.util.function.Function;

import java.nio.file.Path;

/** Process-wide DJL set-up the model package relies on: offline mode, engine lookup, device choice; one engine call. */
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

    /**
     * Loads one model file on DJL with Flowline's options (ONNX Runtime thread counts, TorchScript mapped to the
     * device), NDList in and out. A failure of any kind becomes {@code onFailure}'s exception.
     */
    static ZooModel<NDList, NDList> loadZoo(Path file, EngineKind engine, Device device, ModelRuntimeOptions options,
                                            Function<Throwable, ModelLoadException> onFailure) {
        Criteria.Builder<NDList, NDList> criteria = Criteria.builder()
                .setTypes(NDList.class, NDList.class)
                .optModelPath(file)
                .optEngine(engine.djlName())
                .optDevice(device)
                .optTranslator(new NoopTranslator());
        if (engine == EngineKind.ONNX_RUNTIME) {
            if (options.onnxIntraOpThreads() > 0) criteria.optOption("intraOpNumThreads", String.valueOf(options.onnxIntraOpThreads()));
            if (options.onnxInterOpThreads() > 0) criteria.optOption("interOpNumThreads", String.valueOf(options.onnxInterOpThreads()));
        } else {
            // A TorchScript file saved from a GPU process otherwise fails to load on a CPU-only worker.
            criteria.optOption("mapLocation", "true");
        }
        try {
            return criteria.build().loadModel();
        } catch (ModelNotFoundException | MalformedModelException | IOException | RuntimeException | UnsatisfiedLinkError e) {
            throw onFailure.apply(e);
        }
    }

    /**
     * One engine call, as the velocity model and the decoder/encoder stages make it: {@code stage} puts the inputs
     * (one contiguous copy of each) in a sub-manager of {@code zoo}'s, the outputs are attached to it too, {@code read}
     * checks them and copies out what it needs ({@link #copyOut}), and the sub-manager is closed whatever happens, so a
     * call frees every array it made: the model's own manager holds as many arrays after 10,000 calls as after one.
     */
    static void call(ZooModel<NDList, NDList> zoo, Predictor<NDList, NDList> predictor,
                     Function<NDManager, NDList> stage, Consumer<NDList> read) throws TranslateException {
        try (NDManager call = zoo.getNDManager().newSubManager()) {
            NDList result = predictor.predict(stage.apply(call));
            // Make the outputs ours, whatever manager the engine put them in, so closing `call` frees them.
            result.attach(call);
            read.accept(result);
        }
    }

    /**
     * The one copy out: the first {@code n} floats of a float32 output into {@code out}. tryDirect: on PyTorch/CPU
     * the buffer is a view of the tensor's memory, valid until the call's manager closes (ONNX Runtime's Java API
     * has already made one copy of its own).
     */
    static void copyOut(NDArray y, float[] out, int n) {
        y.toByteBuffer(true).asFloatBuffer().get(out, 0, n);
    }
}
