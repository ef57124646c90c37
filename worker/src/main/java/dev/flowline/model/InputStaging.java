package dev.flowline.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.IntBuffer;

/**
 * Turns the caller's Java buffers into a model's input tensors with exactly one copy each.
 *
 * <p>Each input is written once into a direct buffer this object keeps between calls, mapping as it copies
 * (Flowline time to model time, label -1 to the null class). Both engines then wrap a direct native-order buffer
 * without copying it again: PyTorch via {@code torch::from_blob}, ONNX Runtime via a direct-buffer
 * {@code OnnxTensor}. Handing DJL a heap {@code FloatBuffer} instead would cost the same single copy for x but a
 * second pass for the mapped t and labels.
 *
 * <p>The buffers are reused, so the tensors that wrap them must be closed before the next call: the caller creates
 * them in a per-call sub-manager and closes it. Not thread-safe (the model serialises calls).
 */
final class InputStaging {
    private final ModelManifest manifest;
    private final long[] sampleShape;
    private final int dim;
    private final TimeConvention time;
    private final int numClasses;
    private final int nullClass;
    private final boolean onnxNames;

    private ByteBuffer xBuf = allocate(0);
    private ByteBuffer tBuf = allocate(0);
    private ByteBuffer rBuf = allocate(0);
    private ByteBuffer labelBuf = allocate(0);
    private ByteBuffer vectorBuf = allocate(0);

    InputStaging(ModelManifest manifest, EngineKind engine) {
        this.manifest = manifest;
        ModelInfo info = manifest.info();
        int[] s = info.sampleShape();
        this.sampleShape = new long[s.length + 1];
        for (int i = 0; i < s.length; i++) sampleShape[i + 1] = s[i];
        this.dim = info.dim();
        this.time = manifest.time();
        this.numClasses = info.numClasses();
        this.nullClass = info.nullClass();
        // ONNX Runtime binds inputs by name; PyTorch would read special meaning into some names, so it gets none.
        this.onnxNames = engine == EngineKind.ONNX_RUNTIME;
    }

    /**
     * Creates the input list (x, t[, r][, label]) for {@code rows} rows in {@code manager}; {@code r} (a flow map's
     * target times) is read only when the manifest declares {@code inputs.r}.
     */
    NDList stage(NDManager manager, int rows, float[] x, float[] t, float[] r, int[] labels) {
        return stage(manager, rows, x, t, r, labels, null);
    }

    /**
     * As {@link #stage(NDManager, int, float[], float[], float[], int[])}, with the conditioning vectors of a
     * vector-conditioned model ({@code rows × dim} floats): a row labelled {@code -1} gets the model's null vector
     * instead of its own (the unconditional row of a guided evaluation).
     */
    NDList stage(NDManager manager, int rows, float[] x, float[] t, float[] r, int[] labels, float[] vectors) {
        int n = rows * dim;
        xBuf = ensure(xBuf, (long) n * Float.BYTES);
        xBuf.asFloatBuffer().put(x, 0, n);
        xBuf.limit(n * Float.BYTES);

        tBuf = ensure(tBuf, (long) rows * Float.BYTES);
        FloatBuffer tf = tBuf.asFloatBuffer();
        for (int i = 0; i < rows; i++) tf.put(i, time.toModelTime(t[i]));
        tBuf.limit(rows * Float.BYTES);

        long[] shape = sampleShape.clone();
        shape[0] = rows;
        NDList in = new NDList(4);
        in.add(named(manager.create(xBuf, new Shape(shape), DataType.FLOAT32), manifest.inputs().x()));
        in.add(named(manager.create(tBuf, new Shape(rows), DataType.FLOAT32), manifest.inputs().t()));
        if (manifest.inputs().r().isPresent()) {
            rBuf = ensure(rBuf, (long) rows * Float.BYTES);
            FloatBuffer rf = rBuf.asFloatBuffer();
            for (int i = 0; i < rows; i++) rf.put(i, time.toModelTime(r[i]));
            rBuf.limit(rows * Float.BYTES);
            in.add(named(manager.create(rBuf, new Shape(rows), DataType.FLOAT32), manifest.inputs().r().get()));
        }
        if (manifest.conditional()) {
            in.add(named(labels(manager, rows, labels), manifest.inputs().label().orElseThrow()));
        }
        if (manifest.vector().isPresent()) in.add(named(vectors(manager, rows, labels, vectors), manifest.vector().get().input()));
        return in;
    }

    private NDArray vectors(NDManager manager, int rows, int[] labels, float[] vectors) {
        VectorConditioning c = manifest.vector().orElseThrow();
        int d = c.dim();
        if (vectors == null || vectors.length < rows * d) {
            throw new IllegalArgumentException("model '" + manifest.name() + "' is vector-conditioned: it needs " + rows + " × "
                    + d + " conditioning floats");
        }
        vectorBuf = ensure(vectorBuf, (long) rows * d * Float.BYTES);
        FloatBuffer vf = vectorBuf.asFloatBuffer();
        float[] unconditional = c.nullVector();
        for (int i = 0; i < rows; i++) {
            if (labels[i] == -1) {
                if (unconditional == null) {
                    throw new ModelException(manifest.name(), "row " + i + " asks for the unconditional velocity but the model has no null vector");
                }
                vf.put(i * d, unconditional);
            } else {
                vf.put(i * d, vectors, i * d, d);
            }
        }
        vectorBuf.limit(rows * d * Float.BYTES);
        return manager.create(vectorBuf, new Shape(rows, d), DataType.FLOAT32);
    }

    private NDArray labels(NDManager manager, int rows, int[] labels) {
        LabelType type = manifest.labelType();
        labelBuf = ensure(labelBuf, (long) rows * type.bytes());
        LongBuffer asLong = type == LabelType.INT64 ? labelBuf.asLongBuffer() : null;
        IntBuffer asInt = type == LabelType.INT32 ? labelBuf.asIntBuffer() : null;
        for (int i = 0; i < rows; i++) {
            int id = modelLabel(labels[i], i);
            if (asLong != null) asLong.put(i, id);
            else asInt.put(i, id);
        }
        labelBuf.limit(rows * type.bytes());
        DataType dt = type == LabelType.INT64 ? DataType.INT64 : DataType.INT32;
        return manager.create(labelBuf, new Shape(rows), dt);
    }

    /** Flowline label to the model's class id; an invalid id would otherwise surface as an opaque native index error. */
    private int modelLabel(int label, int row) {
        if (label >= 0 && label < numClasses) return label;
        if (label == -1) {
            if (nullClass >= 0) return nullClass;
            throw new ModelException(manifest.name(), "row " + row + " asks for the unconditional velocity (label -1) but the model has no null class");
        }
        throw new ModelException(manifest.name(), "row " + row + " has label " + label + ", expected -1 or 0.." + (numClasses - 1));
    }

    private NDArray named(NDArray a, String name) {
        if (onnxNames) a.setName(name);
        return a;
    }

    /** A cleared direct buffer of at least {@code bytes}, grown geometrically so batch-size changes rarely allocate. */
    private static ByteBuffer ensure(ByteBuffer b, long bytes) {
        if (bytes > Integer.MAX_VALUE) throw new IllegalArgumentException("batch too large: " + bytes + " bytes");
        if (b.capacity() < bytes) b = allocate((int) Math.min(Integer.MAX_VALUE, Math.max(bytes, 2L * b.capacity())));
        b.clear();
        return b;
    }

    private static ByteBuffer allocate(int bytes) {
        return ByteBuffer.allocateDirect(bytes).order(ByteOrder.nativeOrder());
    }
}
