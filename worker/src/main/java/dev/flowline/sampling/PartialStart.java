package dev.flowline.sampling;

import java.util.Objects;

/**
 * Where an image-to-image sample starts (SDEdit): at time {@code t0} on the linear path
 * {@code x_t = (1 − t)·noise + t·data}, from {@code x_t0 = (1 − t0)·noise(seed, i) + t0·latent}, with {@code latent}
 * the encoded input image. {@code t0 = 1 − strength}: 0 is an ordinary sample from pure noise, 1 returns the latent
 * unchanged.
 *
 * @param t0     start time in [0, 1]
 * @param latent the encoded image, one sample's floats; shared by the job's samples, never written
 */
public record PartialStart(double t0, float[] latent) {

    public PartialStart {
        Objects.requireNonNull(latent, "latent");
        if (!(t0 >= 0 && t0 <= 1)) throw new IllegalArgumentException("t0 must be in [0, 1], got " + t0);
    }

    /** The start of a job asking for {@code strength} (in [0, 1]). */
    public static PartialStart ofStrength(double strength, float[] latent) {
        return new PartialStart(1 - strength, latent);
    }

    /**
     * A grid on [0, 1] mapped affinely onto [t0, 1]: {@code t0 + (1 − t0)·t}. The step count, the grid's shape
     * (uniform, shifted, named) and so the cost stay those the job asked for; only the span shrinks. The ends are set
     * exactly, so that the last step lands on 1 whatever the rounding.
     */
    double[] rescale(double[] grid) {
        double[] out = new double[grid.length];
        for (int k = 0; k < grid.length; k++) out[k] = t0 + (1 - t0) * grid[k];
        out[0] = t0;
        out[grid.length - 1] = 1.0;
        return out;
    }

    /** {@code (1 − t0)·noise + t0·latent}, in place over {@code noise}. */
    double[] mix(double[] noise) {
        if (noise.length != latent.length) {
            throw new IllegalArgumentException("the latent has " + latent.length + " floats, the sample " + noise.length);
        }
        for (int d = 0; d < noise.length; d++) noise[d] = (1 - t0) * noise[d] + t0 * latent[d];
        return noise;
    }
}
