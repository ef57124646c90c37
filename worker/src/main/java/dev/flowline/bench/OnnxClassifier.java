package dev.flowline.bench;

import ai.djl.MalformedModelException;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ModelNotFoundException;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.NoopTranslator;
import ai.djl.translate.TranslateException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * An evaluation classifier in ONNX run by DJL's ONNX Runtime engine, with the demo model's interface: one input
 * {@code [B, ...sampleShape]} float32, outputs {@code logits [B, classes]} and {@code features [B, F]} (found by name,
 * else by position: logits first). Every call's tensors live in a sub-manager closed by that call.
 * Not thread-safe.
 */
public final class OnnxClassifier implements FeatureClassifier {
    /** Rows per engine call. */
    static final int BATCH = 256;

    private final Path file;
    private final long[] sampleShape;
    private final int dim;
    private final ZooModel<NDList, NDList> model;
    private final Predictor<NDList, NDList> predictor;

    private OnnxClassifier(Path file, int[] sampleShape, ZooModel<NDList, NDList> model) {
        this.file = file;
        this.sampleShape = new long[sampleShape.length + 1];
        int d = 1;
        for (int i = 0; i < sampleShape.length; i++) {
            this.sampleShape[i + 1] = sampleShape[i];
            d *= sampleShape[i];
        }
        this.dim = d;
        this.model = model;
        this.predictor = model.newPredictor();
    }

    /**
     * Loads {@code file} on ONNX Runtime.
     *
     * @param sampleShape   shape of one sample without the batch axis, e.g. {1, 28, 28}
     * @param intraOpThreads ONNX Runtime threads per operator; 0 for its default
     */
    public static OnnxClassifier load(Path file, int[] sampleShape, int intraOpThreads) throws IOException {
        if (!Files.isRegularFile(file)) throw new IOException("classifier " + file + " not found");
        // As the model runtime does: DJL must not probe the network when its engine starts.
        if (System.getProperty("ai.djl.offline") == null && System.getenv("DJL_OFFLINE") == null) {
            System.setProperty("ai.djl.offline", "true");
        }
        Criteria.Builder<NDList, NDList> criteria = Criteria.builder()
                .setTypes(NDList.class, NDList.class)
                .optModelPath(file)
                .optEngine("OnnxRuntime")
                .optTranslator(new NoopTranslator());
        if (intraOpThreads > 0) criteria.optOption("intraOpNumThreads", String.valueOf(intraOpThreads));
        try {
            return new OnnxClassifier(file, sampleShape, criteria.build().loadModel());
        } catch (ModelNotFoundException | MalformedModelException e) {
            throw new IOException("classifier " + file + " could not be loaded: " + e.getMessage(), e);
        }
    }

    @Override
    public Classified classify(List<float[]> samples) {
        int n = samples.size();
        double[][] features = new double[n][];
        int[] predicted = new int[n];
        ByteBuffer buffer = ByteBuffer.allocateDirect(Math.min(n, BATCH) * dim * Float.BYTES).order(ByteOrder.nativeOrder());
        for (int start = 0; start < n; start += BATCH) {
            int rows = Math.min(BATCH, n - start);
            buffer.clear();
            FloatBuffer fb = buffer.asFloatBuffer();
            for (int r = 0; r < rows; r++) {
                float[] s = samples.get(start + r);
                if (s.length != dim) throw new IllegalArgumentException("sample of " + s.length + " floats, the classifier takes " + dim);
                fb.put(s);
            }
            buffer.limit(rows * dim * Float.BYTES);
            long[] shape = sampleShape.clone();
            shape[0] = rows;
            try (NDManager call = model.getNDManager().newSubManager()) {
                NDArray x = call.create(buffer, new Shape(shape), DataType.FLOAT32);
                NDList out = predictor.predict(new NDList(x));
                out.attach(call);
                NDArray logits = output(out, "logits", 0);
                NDArray feats = output(out, "features", 1);
                int classes = (int) logits.getShape().get(1);
                int width = (int) feats.getShape().get(1);
                float[] l = logits.toFloatArray();
                float[] f = feats.toFloatArray();
                for (int r = 0; r < rows; r++) {
                    int best = 0;
                    for (int c = 1; c < classes; c++) if (l[r * classes + c] > l[r * classes + best]) best = c;
                    predicted[start + r] = best;
                    double[] row = new double[width];
                    for (int k = 0; k < width; k++) row[k] = f[r * width + k];
                    features[start + r] = row;
                }
            } catch (TranslateException e) {
                throw new IllegalStateException("classifier " + file + " failed on a batch of " + rows + ": " + e.getMessage(), e);
            }
        }
        return new Classified(features, predicted);
    }

    private NDArray output(NDList out, String name, int position) {
        NDArray named = out.get(name);
        if (named != null) return named;
        if (out.size() <= position) throw new IllegalStateException("classifier " + file + " has " + out.size() + " outputs, expected logits and features");
        return out.get(position);
    }

    @Override
    public String describe() {
        return "ONNX classifier " + file.getFileName();
    }

    @Override
    public void close() {
        try {
            predictor.close();
        } finally {
            model.close();
        }
    }
}
