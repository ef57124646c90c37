package dev.flowline.bench;

import dev.flowline.batching.Job;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A recorded open-loop workload: when each job arrives and what it asks for. Generated once from a seed and replayed
 * unchanged against every batching mode, so that the modes see exactly the same jobs at exactly the same times.
 *
 * @param ratePerSecond   the Poisson rate it was drawn with
 * @param durationSeconds arrivals fall in [0, duration)
 * @param arrivals        in time order
 */
public record ArrivalTrace(double ratePerSecond, double durationSeconds, List<Arrival> arrivals) {

    /**
     * One job of the trace.
     *
     * @param index    position in the trace
     * @param atNanos  arrival time from the start of the run
     * @param mixEntry index into the {@link WorkloadMix}'s entries
     * @param label    class label, or -1 for a model without classes
     * @param seed     the job's sampling seed
     */
    public record Arrival(int index, long atNanos, int mixEntry, int label, long seed) implements Job.Origin {
    }

    public ArrivalTrace {
        arrivals = List.copyOf(arrivals);
    }

    /**
     * Poisson arrivals: exponential gaps of mean {@code 1/rate}, a mix entry drawn by weight, a uniform class label
     * (when {@code numClasses > 0}) and a job seed, all from one generator seeded with {@code seed}.
     */
    public static ArrivalTrace poisson(long seed, double ratePerSecond, double durationSeconds, WorkloadMix mix,
                                       int numClasses) {
        if (!(ratePerSecond > 0) || !Double.isFinite(ratePerSecond)) throw new IllegalArgumentException("rate must be > 0, got " + ratePerSecond);
        if (!(durationSeconds > 0)) throw new IllegalArgumentException("duration must be > 0, got " + durationSeconds);
        if (numClasses < 0) throw new IllegalArgumentException("numClasses must be >= 0");
        SplittableRandom random = new SplittableRandom(seed);
        List<Arrival> out = new ArrayList<>();
        double t = 0;
        while (true) {
            // 1 - u lies in (0, 1]: the logarithm is finite.
            t += -Math.log(1.0 - random.nextDouble()) / ratePerSecond;
            if (t >= durationSeconds) break;
            int entry = mix.pick(random.nextDouble());
            int label = numClasses > 0 ? random.nextInt(numClasses) : -1;
            out.add(new Arrival(out.size(), Math.round(t * 1e9), entry, label, random.nextLong()));
        }
        return new ArrivalTrace(ratePerSecond, durationSeconds, out);
    }

    public int size() {
        return arrivals.size();
    }
}
