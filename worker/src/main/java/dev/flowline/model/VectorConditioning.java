package dev.flowline.model;

import java.util.Objects;
import java.util.Optional;

/**
 * A vector-conditioned model (manifest {@code "conditioning": {"type": "vector", "dim": D, "nullVector": [...]}}): each
 * row of a model call carries a float vector of {@code dim} in the input named {@code input}. The null vector, when
 * declared, is what an unconditional row gets: the unconditional velocity of classifier-free guidance, and the
 * condition of a job that gives no vector.
 *
 * @param input      the model's input name ({@code inputs.vector})
 * @param dim        floats per vector
 * @param nullVector the unconditional vector, or null when the model has none (no guidance, a vector is required)
 */
public record VectorConditioning(String input, int dim, float[] nullVector) {

    public VectorConditioning {
        Objects.requireNonNull(input, "input");
        if (dim < 1) throw new IllegalArgumentException("conditioning.dim must be >= 1, got " + dim);
        if (nullVector != null) {
            if (nullVector.length != dim) {
                throw new IllegalArgumentException("conditioning.nullVector has " + nullVector.length + " values for dim " + dim);
            }
            nullVector = nullVector.clone();
        }
    }

    /** The null vector (a copy), if the model declares one. */
    public Optional<float[]> unconditional() {
        return Optional.ofNullable(nullVector).map(float[]::clone);
    }

    @Override
    public float[] nullVector() {
        return nullVector == null ? null : nullVector.clone();
    }
}
