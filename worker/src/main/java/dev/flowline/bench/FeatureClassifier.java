package dev.flowline.bench;

import java.util.List;

/**
 * What the quality benchmark measures samples with: an embedding (whose statistics the Fréchet distance compares
 * with a reference set's) and a class prediction (compared with the class the sample was asked for).
 */
public interface FeatureClassifier extends AutoCloseable {

    /** Per sample: its feature vector and the predicted class. */
    record Classified(double[][] features, int[] predicted) {
    }

    /** Classifies samples of the model's {@code dim} floats each. */
    Classified classify(List<float[]> samples);

    /** One line for reports, e.g. the file it was loaded from. */
    String describe();

    @Override
    void close();
}
