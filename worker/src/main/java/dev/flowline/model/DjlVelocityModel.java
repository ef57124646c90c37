package dev.flowline.model;

import ai.djl.Device;
import ai.djl.engine.EngineException;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.TranslateException;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * A {@link VelocityModel} running an ONNX or TorchScript file through DJL.
 *
 * <p>Per call: one copy of each input into a reused direct buffer ({@link InputStaging}), the engine run, one copy
 * of the output into {@code out} (ONNX Runtime's Java API adds one native-to-Java copy before it, see
 * {@link #velocity}). Every tensor of a call lives in a sub-manager closed by that call, so the model's own manager
 * holds the same arrays after 10,000 calls as after one ({@link #liveArrayCount()}).
 *
 * <p>Calls are serialised ({@code synchronized}): a DJL Predictor and the staging buffers are single-threaded. The
 * scheduler calls from one device thread anyway, so the lock is uncontended.
 */
public final class DjlVelocityModel implements VelocityModel {
    static {
        DjlRuntime.ensureOffline();
    }

    private final ModelManifest manifest;
    private final EngineKind engine;
    private final Device device;
    private final Path weights;
    private final ZooModel<NDList, NDList> model;
    private final Predictor<NDList, NDList> predictor;
    private final InputStaging staging;
    private final int[] sampleShape;
    private final int dim;
    private boolean closed;

    private DjlVelocityModel(ModelManifest manifest, EngineKind engine, Device device, Path weights,
                             ZooModel<NDList, NDList> model) {
        this.manifest = manifest;
        this.engine = engine;
        this.device = device;
        this.weights = weights;
        this.model = model;
        this.predictor = model.newPredictor();
        this.staging = new InputStaging(manifest, engine);
        this.sampleShape = manifest.info().sampleShape();
        this.dim = manifest.info().dim();
    }

    /**
     * Loads the model's file for {@code engine} and probes it once with a batch of 2, checking that the output has
     * shape {@code [2, ...sampleShape]}.
     *
     * @throws ModelLoadException naming the model and the file: missing file, engine that fails to start or to
     *                            load the file, no GPU when {@link DeviceMode#GPU} was asked for, a failed probe
     */
    public static DjlVelocityModel load(ModelManifest manifest, EngineKind engine, ModelRuntimeOptions options) {
        String name = manifest.name();
        Path weights = manifest.weightsFile(engine);
        if (!Files.isRegularFile(weights)) {
            throw new ModelLoadException(name, weights, "weights file for engine " + engine + " not found");
        }
        Device device = DjlRuntime.device(options.device(), engine, name, weights);
        ZooModel<NDList, NDList> zoo = DjlRuntime.loadZoo(weights, engine, device, options,
                e -> new ModelLoadException(name, weights, "engine " + engine + " could not load the model: " + e, e));
        DjlVelocityModel m = new DjlVelocityModel(manifest, engine, device, weights, zoo);
        try {
            m.probe();
        } catch (RuntimeException e) {
            m.close();
            String why = e instanceof ModelException me ? me.detail() : e.toString();
            throw new ModelLoadException(name, weights, "probe with a batch of 2 failed: " + why, e);
        }
        return m;
    }

    /** One batch of 2 through the whole call path: wrong input names, dtypes or output shapes surface at load. */
    private void probe() {
        ModelInfo info = manifest.info();
        float[] x = new float[2 * dim];
        for (int i = 0; i < x.length; i++) x[i] = (float) Math.sin(0.37 * i);
        int second = info.supportsGuidance() ? -1 : Math.min(1, Math.max(0, info.numClasses() - 1));
        int[] labels = info.numClasses() > 0 ? new int[] {0, second} : new int[] {-1, -1};
        if (manifest.vector().isPresent()) { // one row with a vector, one with the null vector when there is one
            int d = manifest.vector().get().dim();
            float[] vectors = new float[2 * d];
            for (int i = 0; i < vectors.length; i++) vectors[i] = (float) Math.cos(0.5 * i);
            labels = new int[] {0, manifest.vector().get().nullVector() != null ? -1 : 0};
            velocity(2, x, new float[] {0.25f, 0.75f}, new float[] {0.25f, 0.75f}, labels, vectors, new float[2 * dim]);
            return;
        }
        velocity(2, x, new float[] {0.25f, 0.75f}, labels, new float[2 * dim]);
    }

    @Override
    public ModelInfo info() {
        return manifest.info();
    }

    /** The manifest this model was loaded from. */
    public ModelManifest manifest() {
        return manifest;
    }

    /** The engine this instance runs on. */
    public EngineKind engine() {
        return engine;
    }

    /** The device this instance runs on. */
    public Device device() {
        return device;
    }

    /**
     * {@inheritDoc}
     *
     * <p>Copies: each input once (Java array to a reused direct buffer that the engine wraps); the output once from
     * the engine's memory into {@code out} on PyTorch/CPU, twice on ONNX Runtime (its Java API only hands out a copy
     * of an output tensor), plus the device-to-host transfer on a GPU. Labels are checked ({@code -1} needs a null
     * class); NaN/Inf in the output is the caller's to check.
     *
     * @throws ModelException naming the model, when the engine fails or returns a tensor of the wrong shape or type
     */
    @Override
    public void velocity(int rows, float[] x, float[] t, int[] labels, float[] out) {
        // A flow map asked for a velocity gives its instantaneous one: target time r = t.
        velocity(rows, x, t, t, labels, out);
    }

    /** {@inheritDoc} As {@link #velocity(int, float[], float[], int[], float[])}, with r staged for a flow-map model. */
    @Override
    public void velocity(int rows, float[] x, float[] t, float[] r, int[] labels, float[] out) {
        velocity(rows, x, t, r, labels, null, out);
    }

    @Override
    public java.util.Optional<VectorConditioning> vectorConditioning() {
        return manifest.vector();
    }

    /** {@inheritDoc} With the rows' conditioning vectors staged for a vector-conditioned model. */
    @Override
    public synchronized void velocity(int rows, float[] x, float[] t, float[] r, int[] labels, float[] vectors, float[] out) {
        if (closed) throw new ModelException(manifest.name(), "is closed");
        if (manifest.vector().isPresent() && (labels == null || labels.length < rows)) {
            throw new IllegalArgumentException("model '" + manifest.name() + "' is vector-conditioned: labels needs " + rows + " entries");
        }
        checkArguments(rows, x, t, labels, out);
        if (manifest.inputs().r().isPresent() && r.length < rows) throw new IllegalArgumentException("r needs " + rows + " entries, got " + r.length);
        if (rows == 0) return;
        try {
            DjlRuntime.call(model, predictor, call -> staging.stage(call, rows, x, t, r, labels, vectors), result -> {
                NDArray v = pickOutput(result);
                long[] expected = new long[sampleShape.length + 1];
                expected[0] = rows;
                for (int i = 0; i < sampleShape.length; i++) expected[i + 1] = sampleShape[i];
                if (!v.getShape().equals(new Shape(expected))) {
                    throw new ModelException(manifest.name(), "output '" + manifest.output() + "' has shape " + v.getShape()
                            + ", expected " + new Shape(expected) + " (batch of " + rows + " × sampleShape " + Arrays.toString(sampleShape) + ")");
                }
                if (v.getDataType() != DataType.FLOAT32) {
                    throw new ModelException(manifest.name(), "output '" + manifest.output() + "' is " + v.getDataType() + ", expected float32");
                }
                DjlRuntime.copyOut(v, out, rows * dim);
            });
        } catch (TranslateException | EngineException e) {
            throw new ModelException(manifest.name(), "engine " + engine + " failed on a batch of " + rows + ": " + e.getMessage(), e);
        }
        float sign = manifest.time().velocitySign();
        if (sign != 1f) {
            int n = rows * dim;
            for (int i = 0; i < n; i++) out[i] = -out[i];
        }
    }

    private NDArray pickOutput(NDList result) {
        if (result.isEmpty()) throw new ModelException(manifest.name(), "returned no output");
        if (result.size() == 1) return result.head();
        NDArray named = result.get(manifest.output());
        if (named == null) {
            throw new ModelException(manifest.name(), "has no output named '" + manifest.output() + "' among " + result.size() + " outputs");
        }
        return named;
    }

    private void checkArguments(int rows, float[] x, float[] t, int[] labels, float[] out) {
        if (rows < 0) throw new IllegalArgumentException("rows must be >= 0, got " + rows);
        long n = (long) rows * dim;
        if (x.length < n || out.length < n) {
            throw new IllegalArgumentException("model '" + manifest.name() + "': x and out need " + n + " floats for " + rows + " rows, got " + x.length + " and " + out.length);
        }
        if (t.length < rows) throw new IllegalArgumentException("t needs " + rows + " entries, got " + t.length);
        if (manifest.conditional() && (labels == null || labels.length < rows)) {
            throw new IllegalArgumentException("model '" + manifest.name() + "' is class-conditional: labels needs " + rows + " entries");
        }
    }

    /** Arrays alive under this model's DJL manager (including per-call sub-managers); flat across calls. */
    public int liveArrayCount() {
        return model.getNDManager().getManagedArrays().size();
    }

    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        try {
            predictor.close();
        } finally {
            model.close();
        }
    }

    @Override
    public String toString() {
        return "DjlVelocityModel[" + manifest.name() + " on " + engine + "/" + device + " from " + weights + "]";
    }
}
