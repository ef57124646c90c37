package dev.flowline.model;

import java.util.Arrays;

/**
 * What the sampling and batching layers need to know of a model.
 *
 * @param name        registry name, as jobs name it
 * @param version     model version from its manifest
 * @param sampleShape shape of one sample without the batch axis, e.g. {1, 28, 28}
 * @param numClasses  number of class labels for class-conditional models, 0 for unconditional models
 * @param supportsGuidance whether the model was trained with label dropout (a null class) for classifier-free guidance
 */
public record ModelInfo(String name, String version, int[] sampleShape, int numClasses, boolean supportsGuidance) {

    public ModelInfo {
        if (name == null || name.isBlank()) throw new IllegalArgumentException("model name must not be blank");
        if (sampleShape == null || sampleShape.length == 0) throw new IllegalArgumentException("model '" + name + "': sampleShape must not be empty");
        for (int d : sampleShape) {
            if (d <= 0) throw new IllegalArgumentException("model '" + name + "': sampleShape " + Arrays.toString(sampleShape) + " has a non-positive axis");
        }
        if (numClasses < 0) throw new IllegalArgumentException("model '" + name + "': numClasses must be >= 0");
        sampleShape = sampleShape.clone();
    }

    /** Floats per sample. */
    public int dim() {
        int d = 1;
        for (int s : sampleShape) d *= s;
        return d;
    }

    @Override
    public int[] sampleShape() {
        return sampleShape.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ModelInfo m && name.equals(m.name) && version.equals(m.version)
                && Arrays.equals(sampleShape, m.sampleShape) && numClasses == m.numClasses
                && supportsGuidance == m.supportsGuidance;
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(sampleShape);
    }

    @Override
    public String toString() {
        return "ModelInfo[" + name + ":" + version + " shape=" + Arrays.toString(sampleShape) + " classes=" + numClasses + "]";
    }
}
