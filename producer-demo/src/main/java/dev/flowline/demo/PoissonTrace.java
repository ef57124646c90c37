package dev.flowline.demo;

import java.util.Arrays;
import java.util.SplittableRandom;

/** Arrival times (seconds from start) of a Poisson process: exponential gaps at the given rate, seeded. */
public final class PoissonTrace {
    private PoissonTrace() {}

    public static double[] arrivals(double ratePerSecond, double durationSeconds, long seed) {
        if (!(ratePerSecond > 0)) throw new IllegalArgumentException("rate must be > 0, got " + ratePerSecond);
        if (!(durationSeconds > 0)) throw new IllegalArgumentException("duration must be > 0, got " + durationSeconds);
        SplittableRandom random = new SplittableRandom(seed);
        double[] out = new double[(int) Math.min(Integer.MAX_VALUE - 8, Math.ceil(ratePerSecond * durationSeconds * 2) + 16)];
        int n = 0;
        double t = 0;
        while (true) {
            t += -Math.log(1.0 - random.nextDouble()) / ratePerSecond;
            if (t >= durationSeconds) break;
            if (n == out.length) out = Arrays.copyOf(out, out.length * 2);
            out[n++] = t;
        }
        return Arrays.copyOf(out, n);
    }
}
