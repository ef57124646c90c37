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

import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A manifest's decoder or encoder on a DJL engine: a batch of rows in, a batch of rows out, one contiguous copy each
 * way. Rows are independent (the stages are convolutional, no batch statistics), so a batch of many jobs' latents
 * gives each row what decoding it alone gives.
 */
public final class DjlStageModel implements LatentDecoder, LatentEncoder, AutoCloseable {
    private final String model;
    private final PipelineStage stage;
    private final EngineKind engine;
    private final ZooModel<NDList, NDList> zoo;
    private final Predictor<NDList, NDList> predictor;
    private final long[] inShape;
    private final Shape outShape;
    private final int inDim;
    private final int outDim;
    private boolean closed;

    private DjlStageModel(String model, PipelineStage stage, EngineKind engine, ZooModel<NDList, NDList> zoo) {
        this.model = model;
        this.stage = stage;
        this.engine = engine;
        this.zoo = zoo;
        this.predictor = zoo.newPredictor();
        int[] in = stage.inputShape();
        this.inShape = new long[in.length + 1];
        int d = 1;
        for (int i = 0; i < in.length; i++) {
            inShape[i + 1] = in[i];
            d *= in[i];
        }
        this.inDim = d;
        int[] out = stage.outputShape();
        long[] o = new long[out.length];
        int od = 1;
        for (int i = 0; i < out.length; i++) {
            o[i] = out[i];
            od *= out[i];
        }
        this.outShape = new Shape(o);
        this.outDim = od;
    }

    /**
     * Loads {@code stage}'s file for {@code engine} (its main engine unless it has an alternative for the one asked)
     * and probes it with a batch of 2.
     *
     * @throws ModelLoadException naming the model, the file and the stage
     */
    public static DjlStageModel load(ModelManifest manifest, PipelineStage stage, EngineKind engine, ModelRuntimeOptions options) {
        EngineKind kind = stage.files().containsKey(engine) ? engine : stage.engine();
        Path file = manifest.stageFile(stage, kind);
        if (!Files.isRegularFile(file)) throw new ModelLoadException(manifest.name(), file, stage.field() + " file not found");
        Device device = DjlRuntime.device(options.device(), kind, manifest.name(), file);
        ZooModel<NDList, NDList> zoo = DjlRuntime.loadZoo(file, kind, device, options,
                e -> new ModelLoadException(manifest.name(), file, stage.field() + ": engine " + kind + " could not load it: " + e, e));
        DjlStageModel m = new DjlStageModel(manifest.name(), stage, kind, zoo);
        try {
            m.run(2, new float[2 * m.inDim], new float[2 * m.outDim]);
        } catch (RuntimeException e) {
            m.close();
            throw new ModelLoadException(manifest.name(), file, stage.field() + " probe with a batch of 2 failed: " + e.getMessage(), e);
        }
        return m;
    }

    /** The stage this runs. */
    @Override
    public PipelineStage stage() {
        return stage;
    }

    /** Floats per input row. */
    @Override
    public int inputDim() {
        return inDim;
    }

    /** Floats per output row. */
    @Override
    public int outputDim() {
        return outDim;
    }

    /** Runs {@code rows} rows of {@code in} (row-major) into {@code out}. */
    @Override
    public synchronized void run(int rows, float[] in, float[] out) {
        if (closed) throw new ModelException(model, stage.field() + " is closed");
        if (rows < 0 || in.length < (long) rows * inDim || out.length < (long) rows * outDim) {
            throw new IllegalArgumentException(stage.field() + ": " + rows + " rows need " + rows * inDim + " floats in and "
                    + rows * outDim + " out, got " + in.length + " and " + out.length);
        }
        if (rows == 0) return;
        long[] shape = inShape.clone();
        shape[0] = rows;
        try {
            DjlRuntime.call(zoo, predictor, call -> {
                NDArray x = call.create(FloatBuffer.wrap(in, 0, rows * inDim), new Shape(shape));
                x.setName(stage.input());
                return new NDList(x);
            }, result -> {
                NDArray y = result.size() == 1 ? result.head() : result.get(stage.output());
                if (y == null) throw new ModelException(model, stage.field() + " has no output named '" + stage.output() + "'");
                Shape expected = new Shape(rows).addAll(outShape);
                if (!y.getShape().equals(expected) || y.getDataType() != DataType.FLOAT32) {
                    throw new ModelException(model, stage.field() + " output is " + y.getDataType() + " " + y.getShape()
                            + ", expected float32 " + expected);
                }
                DjlRuntime.copyOut(y, out, rows * outDim);
            });
        } catch (TranslateException | EngineException e) {
            throw new ModelException(model, stage.field() + ": engine " + engine + " failed on a batch of " + rows + ": " + e.getMessage(), e);
        }
    }

    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        try {
            predictor.close();
        } finally {
            zoo.close();
        }
    }
}
