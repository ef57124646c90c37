package dev.flowline.model;

import java.util.Arrays;
import java.util.Map;
import java.util.Objects;

/**
 * A manifest's {@code decoder} or {@code encoder}: a second network beside the velocity model that maps between the
 * latent the sampler integrates and pixels. Its own weight files (per engine, relative to the manifest's directory),
 * input and output names, shapes (per sample, without the batch axis) and the value range of its pixel side.
 *
 * @param field       the manifest key, "decoder" or "encoder"; errors name it
 * @param engine      the engine it runs on unless configuration picks an alternative
 * @param files       weight file per engine; holds at least {@code engine}
 * @param input       input name
 * @param output      output name
 * @param inputShape  per-sample input shape
 * @param outputShape per-sample output shape
 * @param valueRange  range of the pixel side (decoder output, encoder input)
 */
public record PipelineStage(String field, EngineKind engine, Map<EngineKind, String> files, String input, String output,
                            int[] inputShape, int[] outputShape, ModelInfo.ValueRange valueRange) {

    public PipelineStage {
        Objects.requireNonNull(field, "field");
        Objects.requireNonNull(engine, "engine");
        files = Map.copyOf(files);
        if (!files.containsKey(engine)) throw new IllegalArgumentException(field + ".file is required");
        inputShape = inputShape.clone();
        outputShape = outputShape.clone();
        Objects.requireNonNull(valueRange, "valueRange");
    }

    @Override
    public int[] inputShape() {
        return inputShape.clone();
    }

    @Override
    public int[] outputShape() {
        return outputShape.clone();
    }

    @Override
    public String toString() {
        return field + "{" + engine + " " + files.get(engine) + ", " + input + Arrays.toString(inputShape) + " -> "
                + output + Arrays.toString(outputShape) + "}";
    }
}
