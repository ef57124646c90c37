package dev.flowline.sampling;

/**
 * Counter-based standard normal noise: the value at position {@code i} of a stream depends only on
 * {@code (seed, sampleIndex, stream, i)}, never on how many values were drawn before, by whom, or in which batch.
 * That is what makes a sample bit-identical on a replay, alone or batched, on any JVM.
 *
 * <p>The generator, precisely (so that other implementations can reproduce it):
 * <ol>
 *   <li>{@code mix(z)} is SplitMix64's finaliser: {@code z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9;
 *       z = (z ^ (z >>> 27)) * 0x94D049BB133111EB; return z ^ (z >>> 31)} (64-bit wrap-around arithmetic).</li>
 *   <li>The stream key is {@code k = mix(mix(mix(seed) + (sampleIndex + 1)·G) + (stream + 1)·H)} with
 *       {@code G = 0x9E3779B97F4A7C15} and {@code H = 0xD1B54A32D192ED03}.</li>
 *   <li>Counter {@code n} gives the 64 bits {@code mix(k + (n + 1)·G)} — SplitMix64's n-th output from state k —
 *       and the uniform {@code u = ((bits >>> 11) + 0.5) · 2^-53}, which lies in (0, 1] (never 0, so the logarithm is finite).</li>
 *   <li>Normals come in Box–Muller pairs: with {@code u1, u2} from counters {@code 2j, 2j+1},
 *       {@code r = sqrt(-2 ln u1)}, {@code θ = 2π·u2}, value {@code 2j = r cos θ}, value {@code 2j+1 = r sin θ}.</li>
 * </ol>
 * {@code ln}, {@code cos} and {@code sin} are {@link StrictMath}'s (fdlibm), whose results the JLS fixes bit for bit;
 * {@link Math}'s may differ between JVMs and CPUs. {@code sqrt} is correctly rounded either way.
 *
 * <p>Streams used by the samplers: 0 is a sample's initial noise x0; {@code n + 1} is the SDE noise of step n.
 */
public final class GaussianNoise {

    private static final long GOLDEN = 0x9E3779B97F4A7C15L;
    private static final long STREAM_MULTIPLIER = 0xD1B54A32D192ED03L;
    private static final double TWO_PI = 2 * Math.PI;
    private static final double UNIT = 0x1.0p-53;

    /** Stream of a sample's initial noise. */
    public static final long INITIAL_NOISE_STREAM = 0;

    private GaussianNoise() {
    }

    /** The key of one stream of one sample. */
    public static long streamKey(long seed, long sampleIndex, long stream) {
        return mix(mix(mix(seed) + (sampleIndex + 1) * GOLDEN) + (stream + 1) * STREAM_MULTIPLIER);
    }

    /** Fills {@code out} with values 0 .. out.length-1 of the stream. */
    public static void fill(long key, double[] out) {
        generate(key, 1.0, out, true);
    }

    /** Adds {@code scale ·} value i of the stream to {@code x[i]} for every i; no buffer is needed. */
    public static void addScaled(long key, double scale, double[] x) {
        generate(key, scale, x, false);
    }

    private static void generate(long key, double scale, double[] x, boolean overwrite) {
        int n = x.length;
        for (int i = 0; i < n; i += 2) {
            double r = Math.sqrt(-2 * StrictMath.log(uniform(key, i)));
            double theta = TWO_PI * uniform(key, i + 1L);
            double z0 = r * StrictMath.cos(theta);
            if (overwrite) x[i] = z0; else x[i] += scale * z0;
            if (i + 1 < n) {
                double z1 = r * StrictMath.sin(theta);
                if (overwrite) x[i + 1] = z1; else x[i + 1] += scale * z1;
            }
        }
    }

    /** A sample's initial noise x0 ~ N(0, I). */
    public static double[] initialNoise(long seed, int sampleIndex, int dim) {
        double[] x = new double[dim];
        fill(streamKey(seed, sampleIndex, INITIAL_NOISE_STREAM), x);
        return x;
    }

    static double uniform(long key, long counter) {
        long bits = mix(key + (counter + 1) * GOLDEN);
        return ((bits >>> 11) + 0.5) * UNIT;
    }

    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
