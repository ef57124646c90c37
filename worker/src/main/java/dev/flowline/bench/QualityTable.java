package dev.flowline.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The Fréchet distances of an earlier {@code bench quality} JSON, per (model, solver, schedule, grid steps), at its one
 * guidance weight: what {@code bench batching} looks up to put a quality figure beside the step counts the scheduler
 * chose (issue 17). Only measured points are returned, never an interpolation; a table that was not found is
 * {@link #none(String) none}, with the reason.
 */
public final class QualityTable {

    /** One sampler of the table: the model it ran on, the solver's name, the schedule's name and the grid steps. */
    public record Key(String model, String solver, String schedule, int steps) {
        public Key {
            Objects.requireNonNull(model, "model");
            Objects.requireNonNull(solver, "solver");
            Objects.requireNonNull(schedule, "schedule");
        }

        @Override
        public String toString() {
            return solver + "/" + schedule + "/" + steps;
        }
    }

    private final String source;
    private final String model;
    private final double guidanceScale;
    private final int samplesPerPoint;
    private final Map<Key, Double> fd;

    private QualityTable(String source, String model, double guidanceScale, int samplesPerPoint, Map<Key, Double> fd) {
        this.source = source;
        this.model = model;
        this.guidanceScale = guidanceScale;
        this.samplesPerPoint = samplesPerPoint;
        this.fd = Map.copyOf(fd);
    }

    /** A table of the given points (all at {@code guidanceScale}); {@code source} names where they came from. */
    public static QualityTable of(String source, String model, double guidanceScale, int samplesPerPoint, Map<Key, Double> fd) {
        return new QualityTable(Objects.requireNonNull(source, "source"), model, guidanceScale, samplesPerPoint, fd);
    }

    /** No table; {@code why} says why (it becomes {@code fd_source}). */
    public static QualityTable none(String why) {
        return new QualityTable(Objects.requireNonNull(why, "why"), null, Double.NaN, 0, Map.of());
    }

    /**
     * Reads the {@code points} of a {@code bench quality} JSON: each point's {@code model}, {@code solver},
     * {@code schedule}, {@code steps} and {@code fd}, at the file's {@code guidance_scale}. Points of adaptive solvers
     * ({@code steps} 0) are left out: they have no grid step count to look up.
     */
    public static QualityTable read(Path file) throws IOException {
        JsonNode root = new ObjectMapper().readTree(file.toFile());
        if (root == null || !root.path("points").isArray() || !root.path("guidance_scale").isNumber()) {
            throw new IOException(file + ": not a bench quality JSON (no points or guidance_scale)");
        }
        String model = root.path("model").asText(null);
        Map<Key, Double> fd = new LinkedHashMap<>();
        for (JsonNode p : root.get("points")) {
            int steps = p.path("steps").asInt(0);
            if (steps < 1 || !p.path("fd").isNumber()) continue;
            Key k = new Key(p.path("model").asText(model == null ? "" : model), p.path("solver").asText(), p.path("schedule").asText(), steps);
            fd.putIfAbsent(k, p.get("fd").asDouble());
        }
        return new QualityTable(file.toString(), model, root.get("guidance_scale").asDouble(), root.path("samples_per_point").asInt(0), fd);
    }

    /** Whether there is a table at all (not {@link #none(String)}). */
    public boolean present() {
        return model != null || !fd.isEmpty();
    }

    /** The guidance weight every point of the table was measured at; NaN without a table. */
    public double guidanceScale() {
        return guidanceScale;
    }

    /** The FD of {@code key} run at guidance weight {@code guidanceScale}, or null when the table has no such point. */
    public Double fd(Key key, double guidanceScale) {
        if (!present() || Double.compare(guidanceScale, this.guidanceScale) != 0) return null;
        return fd.get(key);
    }

    /**
     * FD of a set of jobs, weighted by job: {@code jobsBySteps} maps grid steps to how many jobs ran at them, each run
     * with {@code solver} on {@code schedule} at {@code guidanceScale} on {@code model}.
     *
     * @param mean    the job-weighted mean FD, or null when no job counted or some step count has no point (then listed)
     * @param missing the samplers that ran but have no point in the table, as {@code solver/schedule/steps}
     */
    public record Weighted(Double mean, List<String> missing) {
        public Weighted {
            missing = List.copyOf(missing);
        }
    }

    /** See {@link Weighted}; without a table the mean is null and nothing is listed (the table, not a point, is missing). */
    public Weighted weighted(String model, String solver, String schedule, double guidanceScale, Map<Integer, Integer> jobsBySteps) {
        if (!present()) return new Weighted(null, List.of());
        double sum = 0;
        long jobs = 0;
        List<String> missing = new ArrayList<>();
        for (Map.Entry<Integer, Integer> e : new java.util.TreeMap<>(jobsBySteps).entrySet()) {
            if (e.getValue() <= 0) continue;
            Key k = new Key(model, solver, schedule, e.getKey());
            Double f = fd(k, guidanceScale);
            if (f == null) {
                missing.add(k.toString());
                continue;
            }
            sum += f * e.getValue();
            jobs += e.getValue();
        }
        return new Weighted(missing.isEmpty() && jobs > 0 ? sum / jobs : null, missing);
    }

    /**
     * Where the FD figures come from, for {@code fd_source}: the file, its model, guidance weight and samples per point;
     * and, when the jobs looked up ran another model or weight, that no point of the table applies. Without a table, why.
     */
    public String describe(String jobsModel, double jobsGuidanceScale) {
        if (!present()) return source;
        String s = String.format("%s (bench quality: %s, w = %s, %d samples per point)", source, model, guidanceScale, samplesPerPoint);
        if (Double.compare(jobsGuidanceScale, guidanceScale) != 0) {
            s += String.format("; the jobs ran at w = %s, so no point of the table applies", jobsGuidanceScale);
        } else if (fd.keySet().stream().noneMatch(k -> k.model().equals(jobsModel))) {
            s += "; the jobs ran model " + jobsModel + ", which the table does not cover";
        }
        return s;
    }
}
