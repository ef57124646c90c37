package dev.flowline.sampling;

import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * How a sampler's time grid is made. {@link Uniform} and {@link Shifted} take their step count from the
 * configuration; {@link Explicit} and {@link Named} grids carry their own.
 */
public sealed interface Schedule {

    /** Shift of {@code "shifted"} when the job gives none (the value Stable Diffusion 3 uses at 1024²). */
    double DEFAULT_SHIFT = 3.0;

    /** The grid of this schedule; {@code steps} is used only by schedules that do not fix their own. */
    double[] grid(int steps, NamedSchedules named);

    /** Steps fixed by the schedule itself (explicit grids), or -1 when it is not known before resolution. */
    default int fixedSteps() {
        return -1;
    }

    /** Whether the grid is made from the configuration's step count (uniform, shifted) rather than given. */
    default boolean takesStepCount() {
        return false;
    }

    /** {@code t_i = i / K}. */
    record Uniform() implements Schedule {
        @Override
        public double[] grid(int steps, NamedSchedules named) {
            return TimeGrids.uniform(steps);
        }

        @Override
        public boolean takesStepCount() {
            return true;
        }
    }

    /** See {@link TimeGrids#shifted(int, double)}. */
    record Shifted(double shift) implements Schedule {
        public Shifted {
            TimeGrids.checkShift(shift);
        }

        @Override
        public double[] grid(int steps, NamedSchedules named) {
            return TimeGrids.shifted(steps, shift);
        }

        @Override
        public boolean takesStepCount() {
            return true;
        }
    }

    /** A user's own grid, validated on construction (field {@code times}). */
    record Explicit(double[] times) implements Schedule {
        public Explicit {
            times = TimeGrids.validated(times, "times");
        }

        @Override
        public double[] times() {
            return times.clone();
        }

        @Override
        public double[] grid(int steps, NamedSchedules named) {
            return times.clone();
        }

        @Override
        public int fixedSteps() {
            return times.length - 1;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Explicit e && Arrays.equals(times, e.times);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(times);
        }

        @Override
        public String toString() {
            return "Explicit" + Arrays.toString(times);
        }
    }

    /**
     * A grid the model registry knows by name. Its step count is only known once resolved, so it is checked against
     * the configuration's steps and limits in {@link Sampler#of}.
     */
    record Named(String name) implements Schedule {
        public Named {
            if (name == null || name.isBlank()) throw new InvalidSamplerException("schedule", "must not be blank");
            if (isBuiltIn(name)) {
                throw new InvalidSamplerException("schedule", "'" + name + "' is a built-in schedule, not a named one");
            }
        }

        @Override
        public double[] grid(int steps, NamedSchedules named) {
            double[] grid = named.find(name).orElseThrow(() -> new InvalidSamplerException("schedule",
                    "unknown schedule '" + name + "'; valid schedules: uniform, shifted"
                            + named.names().stream().map(n -> ", " + n).collect(Collectors.joining())));
            return TimeGrids.validated(grid, "schedule");
        }
    }

    /**
     * Parses a job's schedule name and parameters: {@code null}, blank or {@code "uniform"}, {@code "shifted"}
     * (parameter {@code shift}, default {@link #DEFAULT_SHIFT}), or any other name as a {@link Named} schedule.
     *
     * @throws InvalidSamplerException on {@code scheduleParams.<key>} for a parameter the schedule does not take
     */
    static Schedule parse(String name, Map<String, Double> params) {
        Map<String, Double> p = params == null ? Map.of() : params;
        String id = name == null ? "" : name.strip();
        String lower = id.toLowerCase(Locale.ROOT);
        if (lower.equals("shifted")) {
            rejectOthers(p, "shifted", "shift");
            Double shift = p.get("shift");
            return new Shifted(shift == null ? DEFAULT_SHIFT : shift);
        }
        Schedule schedule = id.isEmpty() || lower.equals("uniform") ? new Uniform() : new Named(id);
        rejectOthers(p, id.isEmpty() ? "uniform" : id, null);
        return schedule;
    }

    private static boolean isBuiltIn(String name) {
        String lower = name.strip().toLowerCase(Locale.ROOT);
        return lower.equals("uniform") || lower.equals("shifted");
    }

    private static void rejectOthers(Map<String, Double> params, String schedule, String allowed) {
        for (String key : params.keySet()) {
            if (!key.equals(allowed)) {
                throw new InvalidSamplerException("scheduleParams." + key, "schedule '" + schedule + "' takes "
                        + (allowed == null ? "no parameters" : "only '" + allowed + "'"));
            }
        }
    }
}
