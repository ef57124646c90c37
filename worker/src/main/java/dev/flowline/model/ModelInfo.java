package dev.flowline.model;

import dev.flowline.sampling.BespokeSolver;
import dev.flowline.sampling.NamedSchedules;
import dev.flowline.sampling.Sampler;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What the sampling, batching and encoding layers need to know of a model. Immutable and validated: every
 * instance is internally consistent, whatever built it (a manifest, the analytic model, a test).
 *
 * @param name           registry name, as jobs name it
 * @param version        model version from its manifest
 * @param description    free text for humans, may be empty
 * @param sampleShape    shape of one sample without the batch axis, e.g. {1, 28, 28}
 * @param valueRange     range of data-space values (t = 1) the encoder maps to pixels
 * @param numClasses     number of class labels for class-conditional models, 0 for unconditional models
 * @param nullClass      the model's own id of the unconditional class (what label {@code -1} is sent as),
 *                       or {@link #NO_NULL_CLASS}; present means classifier-free guidance is possible
 * @param classNames     one name per class, or empty when the model has none
 * @param image          how a sample maps to an image, if it is one
 * @param defaultSampler the sampler a job gets when it names none
 * @param schedules      named time grids in Flowline time (0 = noise, 1 = data), e.g. offline-optimised ones
 * @param batchSizeHint  a batch size the model runs efficiently at; the scheduler's starting point, not a limit
 * @param bespokeSolvers learned solvers optimised for this model (the manifest's {@code solvers}), for
 *                       {@code "solver": "bespoke"}
 * @param flowMap        whether the model is a flow map u(x, t, r) taking a target time r (the {@code flowmap} solver)
 * @param tiers          quality tiers (the manifest's {@code tiers}, for {@code "tier"} jobs): each name maps to the
 *                       samplers the scheduler picks from by load, cheapest first, each of fixed steps and costing
 *                       more evaluations than the one before; a candidate's solver, steps and named grid (or learned
 *                       solver) are what a job runs (its guidance and conditioning are the job's own)
 */
public record ModelInfo(String name, String version, String description, int[] sampleShape, ValueRange valueRange,
                        int numClasses, int nullClass, List<String> classNames, Optional<ImageLayout> image,
                        SamplerDefaults defaultSampler, Map<String, List<Double>> schedules, int batchSizeHint,
                        List<BespokeSolver> bespokeSolvers, boolean flowMap, Map<String, List<Sampler>> tiers) {

    /** {@link #nullClass()} of a model without an unconditional class. */
    public static final int NO_NULL_CLASS = -1;
    /** Batch size hint when a manifest gives none. */
    public static final int DEFAULT_BATCH_SIZE_HINT = 32;

    public ModelInfo {
        if (name == null || name.isBlank()) throw new IllegalArgumentException("model name must not be blank");
        String m = "model '" + name + "': ";
        if (version == null || version.isBlank()) throw new IllegalArgumentException(m + "version must not be blank");
        description = description == null ? "" : description;
        if (sampleShape == null || sampleShape.length == 0) throw new IllegalArgumentException(m + "sampleShape must not be empty");
        for (int d : sampleShape) {
            if (d <= 0) throw new IllegalArgumentException(m + "sampleShape " + Arrays.toString(sampleShape) + " has a non-positive axis");
        }
        sampleShape = sampleShape.clone();
        Objects.requireNonNull(valueRange, m + "valueRange");
        if (numClasses < 0) throw new IllegalArgumentException(m + "numClasses must be >= 0");
        if (nullClass < NO_NULL_CLASS) throw new IllegalArgumentException(m + "nullClass must be >= 0 or absent (-1)");
        if (numClasses == 0 && nullClass != NO_NULL_CLASS) {
            throw new IllegalArgumentException(m + "an unconditional model (numClasses 0) has no nullClass");
        }
        if (nullClass >= 0 && nullClass < numClasses) {
            throw new IllegalArgumentException(m + "nullClass " + nullClass + " collides with a real class id (0.." + (numClasses - 1) + ")");
        }
        classNames = List.copyOf(classNames == null ? List.of() : classNames);
        if (!classNames.isEmpty() && classNames.size() != numClasses) {
            throw new IllegalArgumentException(m + "classNames has " + classNames.size() + " entries for " + numClasses + " classes");
        }
        image = image == null ? Optional.empty() : image;
        long dim = 1;
        for (int d : sampleShape) dim *= d;
        if (dim > Integer.MAX_VALUE) throw new IllegalArgumentException(m + "sampleShape is too large");
        if (image.isPresent() && image.get().size() != dim) {
            throw new IllegalArgumentException(m + "image " + image.get() + " does not hold " + dim + " values of sampleShape " + Arrays.toString(sampleShape));
        }
        Objects.requireNonNull(defaultSampler, m + "defaultSampler");
        Map<String, List<Double>> copy = new LinkedHashMap<>();
        if (schedules != null) {
            schedules.forEach((k, grid) -> copy.put(k, List.copyOf(validateGrid(name, k, grid))));
        }
        schedules = java.util.Collections.unmodifiableMap(copy);
        if (batchSizeHint <= 0) throw new IllegalArgumentException(m + "batchSizeHint must be positive");
        bespokeSolvers = List.copyOf(bespokeSolvers == null ? List.of() : bespokeSolvers);
        Map<String, List<Sampler>> tierCopy = new LinkedHashMap<>();
        if (tiers != null) tiers.forEach((k, list) -> tierCopy.put(k, List.copyOf(validateTier(name, k, list))));
        tiers = java.util.Collections.unmodifiableMap(tierCopy);
    }

    /** A model without quality tiers. */
    public ModelInfo(String name, String version, String description, int[] sampleShape, ValueRange valueRange,
                     int numClasses, int nullClass, List<String> classNames, Optional<ImageLayout> image,
                     SamplerDefaults defaultSampler, Map<String, List<Double>> schedules, int batchSizeHint,
                     List<BespokeSolver> bespokeSolvers, boolean flowMap) {
        this(name, version, description, sampleShape, valueRange, numClasses, nullClass, classNames, image,
                defaultSampler, schedules, batchSizeHint, bespokeSolvers, flowMap, Map.of());
    }

    /** This model with {@code tiers} as its quality tiers (the manifest reader builds them against the model's grids). */
    public ModelInfo withTiers(Map<String, List<Sampler>> tiers) {
        return new ModelInfo(name, version, description, sampleShape, valueRange, numClasses, nullClass, classNames, image,
                defaultSampler, schedules, batchSizeHint, bespokeSolvers, flowMap, tiers);
    }

    /**
     * A tier is a non-empty list of fixed-step samplers (the scheduler weighs their cost before the first step), each
     * costing more evaluations than the one before (the choice is of cost; equal costs would leave nothing to choose).
     */
    static List<Sampler> validateTier(String model, String tierName, List<Sampler> candidates) {
        if (tierName == null || tierName.isBlank()) throw new IllegalArgumentException("model '" + model + "': tier name must not be blank");
        String where = "model '" + model + "': tiers." + tierName;
        if (candidates == null || candidates.isEmpty()) throw new IllegalArgumentException(where + " must list at least one sampler");
        for (int i = 0; i < candidates.size(); i++) {
            Sampler c = Objects.requireNonNull(candidates.get(i), where + "[" + i + "]");
            if (c.steps() == 0) {
                throw new IllegalArgumentException(where + "[" + i + "].solver " + c.solverName() + " chooses its own steps; a tier "
                        + "candidate needs a fixed evaluation count");
            }
            if (i > 0 && c.maxNfe() <= candidates.get(i - 1).maxNfe()) {
                throw new IllegalArgumentException(where + "[" + i + "] costs " + c.maxNfe() + " evaluations, no more than "
                        + candidates.get(i - 1).maxNfe() + " of " + where + "[" + (i - 1) + "]; list candidates cheapest first");
            }
        }
        return candidates;
    }

    /** A model without learned solvers that is not a flow map. */
    public ModelInfo(String name, String version, String description, int[] sampleShape, ValueRange valueRange,
                     int numClasses, int nullClass, List<String> classNames, Optional<ImageLayout> image,
                     SamplerDefaults defaultSampler, Map<String, List<Double>> schedules, int batchSizeHint) {
        this(name, version, description, sampleShape, valueRange, numClasses, nullClass, classNames, image,
                defaultSampler, schedules, batchSizeHint, List.of(), false);
    }

    /** The model's named grids and learned solvers, as the sampling package resolves them. */
    public NamedSchedules samplerCatalog() {
        ModelInfo info = this;
        return new NamedSchedules() {
            @Override
            public Optional<double[]> find(String scheduleName) {
                return info.schedule(scheduleName);
            }

            @Override
            public java.util.Collection<String> names() {
                return info.schedules().keySet();
            }

            @Override
            public List<BespokeSolver> bespokeSolvers() {
                return info.bespokeSolvers();
            }
        };
    }

    /**
     * The shape the skeleton started with: unconditional models, or class-conditional ones whose null class
     * (when {@code supportsGuidance}) is {@code numClasses}; every other field takes its default.
     */
    public ModelInfo(String name, String version, int[] sampleShape, int numClasses, boolean supportsGuidance) {
        this(name, version, "", sampleShape, ValueRange.SYMMETRIC_UNIT, numClasses,
                supportsGuidance && numClasses > 0 ? numClasses : NO_NULL_CLASS, List.of(), Optional.empty(),
                SamplerDefaults.DEFAULT, Map.of(), DEFAULT_BATCH_SIZE_HINT);
    }

    /** A time grid must run from noise (0) to data (1), strictly increasing. */
    static List<Double> validateGrid(String model, String scheduleName, List<Double> grid) {
        String where = "model '" + model + "': schedule '" + scheduleName + "' ";
        if (scheduleName == null || scheduleName.isBlank()) throw new IllegalArgumentException("model '" + model + "': schedule name must not be blank");
        if (grid == null || grid.size() < 2) throw new IllegalArgumentException(where + "needs at least 2 points");
        if (grid.get(0) != 0.0 || grid.get(grid.size() - 1) != 1.0) {
            throw new IllegalArgumentException(where + "must start at 0.0 and end at 1.0, got " + grid);
        }
        for (int i = 1; i < grid.size(); i++) {
            if (!(grid.get(i) > grid.get(i - 1))) throw new IllegalArgumentException(where + "is not strictly increasing at index " + i + ": " + grid);
        }
        return grid;
    }

    /** Floats per sample. */
    public int dim() {
        int d = 1;
        for (int s : sampleShape) d *= s;
        return d;
    }

    /** Whether the model has an unconditional class, i.e. accepts label {@code -1} and so classifier-free guidance. */
    public boolean supportsGuidance() {
        return nullClass != NO_NULL_CLASS;
    }

    /** A named schedule as a fresh array, if the model has one of that name. */
    public Optional<double[]> schedule(String scheduleName) {
        List<Double> grid = schedules.get(scheduleName);
        return grid == null ? Optional.empty() : Optional.of(grid.stream().mapToDouble(Double::doubleValue).toArray());
    }

    @Override
    public int[] sampleShape() {
        return sampleShape.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ModelInfo m && name.equals(m.name) && version.equals(m.version)
                && description.equals(m.description) && Arrays.equals(sampleShape, m.sampleShape)
                && valueRange.equals(m.valueRange) && numClasses == m.numClasses && nullClass == m.nullClass
                && classNames.equals(m.classNames) && image.equals(m.image) && defaultSampler.equals(m.defaultSampler)
                && schedules.equals(m.schedules) && batchSizeHint == m.batchSizeHint
                && bespokeSolvers.equals(m.bespokeSolvers) && flowMap == m.flowMap && tierKeys().equals(m.tierKeys());
    }

    /** The tiers as comparable text (a {@link Sampler} has identity equality): each candidate's configuration and name. */
    private Map<String, List<String>> tierKeys() {
        Map<String, List<String>> keys = new LinkedHashMap<>();
        tiers.forEach((k, list) -> keys.put(k, list.stream().map(s -> s.config() + "|" + s.solverName()).toList()));
        return keys;
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(sampleShape);
    }

    @Override
    public String toString() {
        return "ModelInfo[" + name + ":" + version + " shape=" + Arrays.toString(sampleShape) + " classes=" + numClasses
                + (supportsGuidance() ? " null=" + nullClass : "") + "]";
    }

    /** Closed interval of data-space values; the encoder maps {@code min} to black and {@code max} to white. */
    public record ValueRange(double min, double max) {
        /** [-1, 1], the usual range of image flow models. */
        public static final ValueRange SYMMETRIC_UNIT = new ValueRange(-1.0, 1.0);

        public ValueRange {
            if (!Double.isFinite(min) || !Double.isFinite(max) || !(min < max)) {
                throw new IllegalArgumentException("valueRange [" + min + ", " + max + "] must be finite with min < max");
            }
        }
    }

    /** A sample seen as a channels × height × width image (row-major, channel-first as in the tensor). */
    public record ImageLayout(int channels, int height, int width) {
        public ImageLayout {
            if (channels != 1 && channels != 3 && channels != 4) throw new IllegalArgumentException("image.channels must be 1, 3 or 4, got " + channels);
            if (height <= 0 || width <= 0) throw new IllegalArgumentException("image height and width must be positive");
        }

        long size() {
            return (long) channels * height * width;
        }
    }

    /**
     * The sampler a job gets by default. {@code solver} is a lowercase solver name (e.g. "euler", "heun");
     * the sampling package owns the closed set and maps the name when it admits a job.
     */
    public record SamplerDefaults(String solver, int steps, double guidanceScale) {
        /** Euler, 16 steps, no guidance. */
        public static final SamplerDefaults DEFAULT = new SamplerDefaults("euler", 16, 1.0);

        public SamplerDefaults {
            if (solver == null || solver.isBlank() || !solver.equals(solver.toLowerCase(java.util.Locale.ROOT))) {
                throw new IllegalArgumentException("defaultSampler.solver must be a non-blank lowercase name, got " + solver);
            }
            if (steps <= 0) throw new IllegalArgumentException("defaultSampler.steps must be positive, got " + steps);
            if (!Double.isFinite(guidanceScale) || guidanceScale < 0) {
                throw new IllegalArgumentException("defaultSampler.guidanceScale must be finite and >= 0, got " + guidanceScale);
            }
        }
    }
}
