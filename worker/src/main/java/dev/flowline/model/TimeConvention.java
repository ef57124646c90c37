package dev.flowline.model;

/**
 * How a model's own time relates to Flowline time (t = 0 noise, t = 1 data), and so how the adapter maps
 * the time it sends and the velocity it receives.
 *
 * <p>For {@link Direction#DATA_TO_NOISE} models (t_model = 0 is data), {@code t_model = scale · (1 − t)}; since
 * dt_model/dt = −scale, the model's velocity along its own time points the other way, so Flowline's velocity is
 * {@code −v_model}. Only the sign flips, not a factor {@code 1/scale}: a model with time scaled to [0, 1000] is
 * trained on the same x1 − x0 target, only its time embedding sees the larger number.
 *
 * @param direction which end of the model's time axis is noise
 * @param scale     the model's time at its far end (1.0, or e.g. 1000.0 for DDPM-style embeddings)
 */
public record TimeConvention(Direction direction, double scale) {
    /** Flowline's own convention: no mapping. */
    public static final TimeConvention FLOWLINE = new TimeConvention(Direction.NOISE_TO_DATA, 1.0);

    public TimeConvention {
        if (direction == null) throw new IllegalArgumentException("time.direction must be given");
        if (!Double.isFinite(scale) || scale <= 0) throw new IllegalArgumentException("time.scale must be finite and positive, got " + scale);
    }

    /** Which end of the model's time axis is noise. */
    public enum Direction {
        /** t_model = 0 is noise (Flowline's and facebookresearch/flow_matching's convention). */
        NOISE_TO_DATA("noise_to_data"),
        /** t_model = 0 is data (diffusion-style and some rectified-flow codebases). */
        DATA_TO_NOISE("data_to_noise");

        private final String manifestName;

        Direction(String manifestName) {
            this.manifestName = manifestName;
        }

        /** The spelling in {@code flowline-model.json}. */
        public String manifestName() {
            return manifestName;
        }

        static Direction fromManifest(String s) {
            for (Direction d : values()) {
                if (d.manifestName.equals(s)) return d;
            }
            throw new IllegalArgumentException("must be \"noise_to_data\" or \"data_to_noise\", got \"" + s + "\"");
        }
    }

    /** The model's time for Flowline time {@code t}. */
    public float toModelTime(float t) {
        double tm = direction == Direction.NOISE_TO_DATA ? t : 1.0 - t;
        return (float) (scale * tm);
    }

    /** Factor from the model's velocity to Flowline's: +1, or −1 when the model's time runs the other way. */
    public float velocitySign() {
        return direction == Direction.NOISE_TO_DATA ? 1f : -1f;
    }

    /** Whether calls need no mapping at all (lets the adapter skip the pass over the output). */
    public boolean isIdentity() {
        return direction == Direction.NOISE_TO_DATA && scale == 1.0;
    }
}
