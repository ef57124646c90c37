package dev.flowline.model;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flowline.sampling.BespokeSolver;
import dev.flowline.sampling.ButcherTableau;
import dev.flowline.sampling.InvalidSamplerException;
import dev.flowline.sampling.Sampler;
import dev.flowline.sampling.SamplerConfig;
import dev.flowline.sampling.Solver;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Reads {@code flowline-model.json} into a {@link ModelManifest}. Every problem is a {@link ModelLoadException}
 * naming the model, the file and the field ({@code conditioning.nullClass}, {@code sampleShape[1]}, ...); unknown
 * keys are errors at every level, so a typo never silently falls back to a default.
 *
 * <p>Optional fields and their defaults: description "", alternatives {}, inputs {x: "x", t: "t", label: "label"
 * when conditional}, output "v", labelType int64, valueRange [-1, 1], image none, time noise_to_data × 1.0,
 * conditioning none, defaultSampler {@link ModelInfo.SamplerDefaults#DEFAULT}, schedules {}, solvers {}, tiers {}, batchSizeHint
 * {@value ModelInfo#DEFAULT_BATCH_SIZE_HINT}, evaluation none. Required: name, version, engine, file, sampleShape.
 */
public final class ManifestReader {
    static final ObjectMapper JSON = new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    /** Every top-level key; README.md's manifest reference documents each (ManifestReaderTest checks). */
    static final Set<String> TOP_LEVEL = Set.of("name", "version", "description", "engine", "file",
            "alternatives", "inputs", "output", "labelType", "sampleShape", "valueRange", "image", "time",
            "conditioning", "defaultSampler", "schedules", "solvers", "tiers", "batchSizeHint", "evaluation", "decoder", "encoder");

    /** Keys of a {@code decoder} / {@code encoder} object. */
    static final Set<String> STAGE_KEYS = Set.of("engine", "file", "alternatives", "input", "output", "inputShape",
            "outputShape", "valueRange");

    private final Path file;
    private String model;

    private ManifestReader(Path file) {
        this.file = file;
        // Until the name is read, errors name the model by its directory.
        Path dir = file.toAbsolutePath().getParent();
        this.model = dir == null || dir.getFileName() == null ? "?" : dir.getFileName().toString();
    }

    /** Reads and validates the manifest at {@code file}. */
    public static ModelManifest read(Path file) {
        ManifestReader r = new ManifestReader(file);
        JsonNode root;
        try {
            root = JSON.readTree(Files.readAllBytes(file));
        } catch (NoSuchFileException e) {
            throw new ModelLoadException(r.model, file, "manifest not found", e);
        } catch (JsonProcessingException e) {
            throw new ModelLoadException(r.model, file, "manifest is not valid JSON: " + e.getOriginalMessage()
                    + (e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr()), e);
        } catch (IOException e) {
            throw new ModelLoadException(r.model, file, "cannot read manifest: " + e, e);
        }
        return r.parse(root);
    }

    /** Validates an already-parsed tree as if it had been read from {@code file} (used when rewriting a manifest). */
    static ModelManifest fromTree(Path file, JsonNode root) {
        return new ManifestReader(file).parse(root);
    }

    private ModelManifest parse(JsonNode root) {
        if (root == null || !root.isObject()) throw error("", "the manifest must be a JSON object");
        if (root.has("name")) model = text(root, "name");
        checkKeys(root, "", TOP_LEVEL);
        String name = requiredText(root, "name");
        String version = requiredText(root, "version");
        String description = root.has("description") ? text(root, "description") : "";

        EngineKind engine = engine(requiredText(root, "engine"), "engine");
        Map<EngineKind, String> files = new EnumMap<>(EngineKind.class);
        files.put(engine, relativeFile(requiredText(root, "file"), "file"));
        JsonNode alternatives = optionalObject(root, "alternatives", null);
        if (alternatives != null) {
            for (Iterator<String> it = alternatives.fieldNames(); it.hasNext(); ) {
                String key = it.next();
                EngineKind alt = engine(key, "alternatives." + key);
                if (alt == engine) throw error("alternatives." + key, "repeats the main engine " + engine);
                files.put(alt, relativeFile(text(alternatives, key, "alternatives." + key), "alternatives." + key));
            }
        }

        int[] sampleShape = intArray(root, "sampleShape");
        ModelInfo.ValueRange valueRange = valueRange(root);
        Optional<ModelInfo.ImageLayout> image = image(root);
        TimeConvention time = time(root);

        JsonNode cond = optionalObject(root, "conditioning", Set.of("type", "numClasses", "nullClass", "classNames", "dim",
                "nullVector"));
        String condType = cond == null ? "none" : requiredText(cond, "type", "conditioning.type");
        int numClasses = 0;
        int nullClass = ModelInfo.NO_NULL_CLASS;
        List<String> classNames = List.of();
        int vectorDim = 0;
        float[] nullVector = null;
        if (!condType.equals("vector")) {
            for (String k : List.of("dim", "nullVector")) {
                if (cond != null && cond.has(k)) throw error("conditioning." + k, "is allowed with type \"vector\" only");
            }
        }
        switch (condType) {
            case "none" -> {
                for (String k : List.of("numClasses", "nullClass", "classNames")) {
                    if (cond != null && cond.has(k)) throw error("conditioning." + k, "is not allowed with type \"none\"");
                }
            }
            case "vector" -> {
                for (String k : List.of("numClasses", "nullClass", "classNames")) {
                    if (cond.has(k)) throw error("conditioning." + k, "is not allowed with type \"vector\"");
                }
                vectorDim = positiveInt(cond, "dim", "conditioning.dim");
                if (cond.has("nullVector")) {
                    double[] v = doubleArray(cond.get("nullVector"), "conditioning.nullVector");
                    if (v.length != vectorDim) {
                        throw error("conditioning.nullVector", "has " + v.length + " values, conditioning.dim is " + vectorDim);
                    }
                    nullVector = new float[v.length];
                    for (int i = 0; i < v.length; i++) {
                        nullVector[i] = (float) v[i];
                        if (!Float.isFinite(nullVector[i])) throw error("conditioning.nullVector[" + i + "]", "must be finite");
                    }
                }
            }
            case "class" -> {
                numClasses = positiveInt(cond, "numClasses", "conditioning.numClasses");
                if (cond.has("nullClass")) nullClass = nonNegativeInt(cond, "nullClass", "conditioning.nullClass");
                if (cond.has("classNames")) classNames = textArray(cond.get("classNames"), "conditioning.classNames");
            }
            default -> throw error("conditioning.type", "must be \"class\", \"vector\" or \"none\", got \"" + condType + "\"");
        }
        boolean conditional = numClasses > 0;
        ModelManifest.Inputs inputs = inputs(root, conditional, vectorDim > 0);
        Optional<VectorConditioning> vector = vectorDim > 0
                ? Optional.of(new VectorConditioning(inputs.vector().orElseThrow(), vectorDim, nullVector)) : Optional.empty();
        String output = root.has("output") ? text(root, "output") : "v";
        LabelType labelType = LabelType.INT64;
        if (root.has("labelType")) {
            try {
                labelType = LabelType.fromManifest(text(root, "labelType"));
            } catch (IllegalArgumentException e) {
                throw error("labelType", e.getMessage());
            }
        }
        ModelInfo.SamplerDefaults sampler = sampler(root);
        Map<String, List<Double>> schedules = schedules(root);
        List<BespokeSolver> solvers = solvers(root);
        int batchSizeHint = root.has("batchSizeHint") ? positiveInt(root, "batchSizeHint", "batchSizeHint") : ModelInfo.DEFAULT_BATCH_SIZE_HINT;
        Optional<ModelManifest.Evaluation> evaluation = evaluation(root);
        Optional<PipelineStage> decoder = stage(root, "decoder");
        Optional<PipelineStage> encoder = stage(root, "encoder");
        checkPipeline(sampleShape, decoder, encoder);

        try {
            ModelInfo info = new ModelInfo(name, version, description, sampleShape, valueRange, numClasses, nullClass,
                    classNames, image, sampler, schedules, batchSizeHint, solvers, inputs.r().isPresent());
            info = tiers(root, info); // built against the model's own grids and learned solvers
            return new ModelManifest(file, info, engine, files, inputs, output, labelType, time, evaluation, decoder, encoder,
                    vector);
        } catch (IllegalArgumentException e) {
            // Cross-field rules live in the records; their messages name the fields.
            throw new ModelLoadException(model, file, "invalid manifest: " + e.getMessage(), e);
        }
    }

    private ModelInfo.ValueRange valueRange(JsonNode root) {
        if (!root.has("valueRange")) return ModelInfo.ValueRange.SYMMETRIC_UNIT;
        double[] r = doubleArray(root.get("valueRange"), "valueRange");
        if (r.length != 2) throw error("valueRange", "must be [min, max]");
        try {
            return new ModelInfo.ValueRange(r[0], r[1]);
        } catch (IllegalArgumentException e) {
            throw error("valueRange", e.getMessage());
        }
    }

    private Optional<ModelInfo.ImageLayout> image(JsonNode root) {
        JsonNode img = optionalObject(root, "image", Set.of("channels", "height", "width"));
        if (img == null) return Optional.empty();
        try {
            return Optional.of(new ModelInfo.ImageLayout(positiveInt(img, "channels", "image.channels"),
                    positiveInt(img, "height", "image.height"), positiveInt(img, "width", "image.width")));
        } catch (IllegalArgumentException e) {
            throw error("image", e.getMessage());
        }
    }

    private TimeConvention time(JsonNode root) {
        JsonNode t = optionalObject(root, "time", Set.of("direction", "scale"));
        if (t == null) return TimeConvention.FLOWLINE;
        TimeConvention.Direction direction = TimeConvention.Direction.NOISE_TO_DATA;
        if (t.has("direction")) {
            try {
                direction = TimeConvention.Direction.fromManifest(text(t, "direction", "time.direction"));
            } catch (IllegalArgumentException e) {
                throw error("time.direction", e.getMessage());
            }
        }
        double scale = t.has("scale") ? number(t, "scale", "time.scale") : 1.0;
        if (!(scale > 0)) throw error("time.scale", "must be positive, got " + scale);
        return new TimeConvention(direction, scale);
    }

    private ModelManifest.Inputs inputs(JsonNode root, boolean conditional, boolean vector) {
        JsonNode in = optionalObject(root, "inputs", Set.of("x", "t", "r", "label", "vector"));
        if (in == null) {
            return new ModelManifest.Inputs("x", "t", conditional ? Optional.of("label") : Optional.empty(), Optional.empty(),
                    vector ? Optional.of("vector") : Optional.empty());
        }
        if (vector && !in.has("vector")) throw error("inputs.vector", "is required for a vector-conditioned model");
        if (!vector && in.has("vector")) throw error("inputs.vector", "is allowed with conditioning type \"vector\" only");
        Optional<String> vectorInput = vector ? Optional.of(text(in, "vector", "inputs.vector")) : Optional.empty();
        String x = requiredText(in, "x", "inputs.x");
        String t = requiredText(in, "t", "inputs.t");
        if (conditional && !in.has("label")) throw error("inputs.label", "is required for a class-conditional model");
        if (!conditional && in.has("label")) throw error("inputs.label", "is not allowed for an unconditional model (conditioning type none)");
        Optional<String> r = in.has("r") ? Optional.of(text(in, "r", "inputs.r")) : Optional.empty();
        return new ModelManifest.Inputs(x, t, conditional ? Optional.of(text(in, "label", "inputs.label")) : Optional.empty(), r,
                vectorInput);
    }

    private ModelInfo.SamplerDefaults sampler(JsonNode root) {
        JsonNode s = optionalObject(root, "defaultSampler", Set.of("solver", "steps", "guidanceScale"));
        if (s == null) return ModelInfo.SamplerDefaults.DEFAULT;
        String solver = requiredText(s, "solver", "defaultSampler.solver");
        int steps = positiveInt(s, "steps", "defaultSampler.steps");
        double guidance = s.has("guidanceScale") ? number(s, "guidanceScale", "defaultSampler.guidanceScale") : 1.0;
        try {
            return new ModelInfo.SamplerDefaults(solver, steps, guidance);
        } catch (IllegalArgumentException e) {
            throw error("defaultSampler", e.getMessage());
        }
    }

    private Map<String, List<Double>> schedules(JsonNode root) {
        JsonNode s = optionalObject(root, "schedules", null);
        Map<String, List<Double>> out = new LinkedHashMap<>();
        if (s == null) return out;
        for (Map.Entry<String, JsonNode> e : s.properties()) {
            String path = "schedules." + e.getKey();
            List<Double> grid = new ArrayList<>();
            for (double d : doubleArray(e.getValue(), path)) grid.add(d);
            try {
                ModelInfo.validateGrid(model, e.getKey(), grid);
            } catch (IllegalArgumentException ex) {
                throw error(path, ex.getMessage());
            }
            out.put(e.getKey(), grid);
        }
        return out;
    }

    /**
     * Learned solvers: {@code "solvers": {"<name>": {"type": "bespoke", "base": "midpoint", "steps": 4, "t": [..],
     * "dt": [..], "s": [..], "ds": [..], "finalScale": 1.0}}}; see {@link BespokeSolver} for what the numbers mean.
     */
    private List<BespokeSolver> solvers(JsonNode root) {
        JsonNode all = optionalObject(root, "solvers", null);
        List<BespokeSolver> out = new ArrayList<>();
        if (all == null) return out;
        for (Map.Entry<String, JsonNode> e : all.properties()) {
            String path = "solvers." + e.getKey();
            if (!e.getValue().isObject()) throw error(path, "must be a JSON object");
            JsonNode n = e.getValue();
            checkKeys(n, path + ".", Set.of("type", "base", "steps", "t", "dt", "s", "ds", "finalScale", "description"));
            String type = requiredText(n, "type", path + ".type");
            if (!type.equals("bespoke")) throw error(path + ".type", "must be \"bespoke\", got \"" + type + "\"");
            String baseName = requiredText(n, "base", path + ".base");
            ButcherTableau base;
            try {
                base = Solver.parse(baseName).method() instanceof ButcherTableau tab && !tab.isEmbedded() ? tab : null;
            } catch (RuntimeException ex) {
                base = null;
            }
            if (base == null) throw error(path + ".base", "must be a fixed-step Runge-Kutta solver (euler, midpoint, heun, ralston3, rk4), got \"" + baseName + "\"");
            int steps = positiveInt(n, "steps", path + ".steps");
            double[][] arrays = new double[4][];
            String[] names = {"t", "dt", "s", "ds"};
            for (int i = 0; i < 4; i++) {
                if (!n.has(names[i])) throw error(path + "." + names[i], "is required");
                arrays[i] = doubleArray(n.get(names[i]), path + "." + names[i]);
            }
            if (!n.has("finalScale")) throw error(path + ".finalScale", "is required");
            double finalScale = number(n, "finalScale", path + ".finalScale");
            try {
                out.add(new BespokeSolver(e.getKey(), base, steps, arrays[0], arrays[1], arrays[2], arrays[3], finalScale));
            } catch (IllegalArgumentException ex) {
                // BespokeSolver's messages start with the field ("t[3] must be ...").
                String msg = ex.getMessage();
                int space = msg.indexOf(' ');
                throw error(path + "." + msg.substring(0, space), msg.substring(space + 1));
            }
        }
        return out;
    }

    /**
     * Quality tiers: {@code "tiers": {"fast": [{"solver": "bespoke-euler-2"}, {"solver": "bespoke-midpoint-2"}], ...}},
     * each a non-empty list of samplers, cheapest first. A candidate is a sampler as a job asks for one: {@code solver}
     * (a fixed-step solver id, or the name of one of the model's learned solvers for {@code "bespoke"} with that
     * schedule), {@code steps}, {@code schedule} ({@code uniform} or a named grid or learned solver). Each is resolved
     * here against the model's grids and learned solvers, so an unknown name, a count that disagrees with a grid or a
     * list out of cost order fails at load naming the field ({@code tiers.fast[1].solver}).
     */
    private ModelInfo tiers(JsonNode root, ModelInfo base) {
        JsonNode all = optionalObject(root, "tiers", null);
        if (all == null) return base;
        Set<String> learned = new java.util.LinkedHashSet<>();
        for (BespokeSolver b : base.bespokeSolvers()) learned.add(b.name());
        Map<String, List<Sampler>> tiers = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : all.properties()) {
            String path = "tiers." + e.getKey();
            if (e.getKey().isBlank()) throw error(path, "a tier name must not be blank");
            JsonNode list = e.getValue();
            if (!list.isArray() || list.isEmpty()) throw error(path, "must be a non-empty array of samplers, cheapest first");
            List<Sampler> candidates = new ArrayList<>();
            for (int i = 0; i < list.size(); i++) {
                String at = path + "[" + i + "]";
                JsonNode n = list.get(i);
                if (!n.isObject()) throw error(at, "must be a JSON object {solver, steps, schedule}");
                checkKeys(n, at + ".", Set.of("solver", "steps", "schedule"));
                String solver = requiredText(n, "solver", at + ".solver");
                Integer steps = n.has("steps") ? positiveInt(n, "steps", at + ".steps") : null;
                String schedule = n.has("schedule") ? text(n, "schedule", at + ".schedule") : null;
                if (learned.contains(solver)) { // a learned solver by its own name
                    if (schedule != null && !schedule.equals(solver)) {
                        throw error(at + ".schedule", "must be absent for the learned solver " + solver + " (it carries its own times), got \""
                                + schedule + "\"");
                    }
                    schedule = solver;
                    solver = Solver.BESPOKE.id();
                }
                Sampler s = tierCandidate(at, base, solver, steps, schedule, learned);
                if (i > 0 && s.maxNfe() <= candidates.get(i - 1).maxNfe()) {
                    throw error(at, "costs " + s.maxNfe() + " evaluations, no more than the " + candidates.get(i - 1).maxNfe()
                            + " of " + path + "[" + (i - 1) + "]; list a tier's samplers cheapest first, each costing more");
                }
                candidates.add(s);
            }
            tiers.put(e.getKey(), candidates);
        }
        return base.withTiers(tiers);
    }

    /** One tier candidate, resolved as a job asking for exactly it would be (guidance aside, which is the job's). */
    private Sampler tierCandidate(String at, ModelInfo base, String solverName, Integer steps, String schedule, Set<String> learned) {
        Solver solver;
        try {
            solver = Solver.parse(solverName);
        } catch (InvalidSamplerException ex) {
            throw error(at + ".solver", "unknown solver \"" + solverName + "\"; a tier names a fixed-step solver (euler, midpoint, "
                    + "heun, ralston3, rk4, ab2, ab3, flowmap, bespoke) or a learned solver of the model "
                    + (learned.isEmpty() ? "(it ships none)" : learned.toString()));
        }
        if (solver.isAdaptive()) {
            throw error(at + ".solver", solver.id() + " chooses its own steps, so its cost is not known at admission; a tier "
                    + "candidate needs a fixed-step solver");
        }
        if (solver == Solver.FLOWMAP && !base.flowMap()) {
            throw error(at + ".solver", "flowmap needs a flow-map model (one with inputs.r)");
        }
        String lower = schedule == null ? "" : schedule.strip().toLowerCase(java.util.Locale.ROOT);
        if (lower.equals("shifted")) {
            throw error(at + ".schedule", "a shifted grid's shift is not in a result's samplerUsed, so a replay could not ask for "
                    + "it; use uniform or a named schedule");
        }
        if (lower.equals("uniform")) schedule = null;
        if (schedule == null && steps == null) {
            throw error(solver.isModelDefined() ? at + ".schedule" : at + ".steps", solver.isModelDefined()
                    ? "is required for solver bespoke (the learned solver's name; or name it as the solver)"
                    : "is required for solver " + solver.id() + " on a uniform grid");
        }
        try {
            SamplerConfig config = SamplerConfig.builder().optSolver(solver).optSteps(steps).optSchedule(schedule, Map.of()).build();
            return Sampler.of(config, base.samplerCatalog());
        } catch (InvalidSamplerException ex) {
            String field = ex.field().equals("times") ? "schedule" : ex.field();
            String msg = String.valueOf(ex.getMessage());
            String prefix = ex.field() + ": ";
            throw error(at + "." + field, msg.startsWith(prefix) ? msg.substring(prefix.length()) : msg);
        }
    }

    /**
     * A {@code decoder} or {@code encoder}: {@code {"engine", "file", "alternatives", "input", "output", "inputShape",
     * "outputShape", "valueRange"}}; every named file must exist beside the manifest, so a missing one fails at load
     * naming its field instead of at the first decode.
     */
    private Optional<PipelineStage> stage(JsonNode root, String field) {
        JsonNode n = optionalObject(root, field, STAGE_KEYS);
        if (n == null) return Optional.empty();
        EngineKind engine = engine(requiredText(n, "engine", field + ".engine"), field + ".engine");
        Map<EngineKind, String> files = new EnumMap<>(EngineKind.class);
        files.put(engine, existingFile(requiredText(n, "file", field + ".file"), field + ".file"));
        JsonNode alternatives = n.get("alternatives");
        if (alternatives != null) {
            if (!alternatives.isObject()) throw error(field + ".alternatives", "must be a JSON object");
            for (Iterator<String> it = alternatives.fieldNames(); it.hasNext(); ) {
                String key = it.next();
                String path = field + ".alternatives." + key;
                EngineKind alt = engine(key, path);
                if (alt == engine) throw error(path, "repeats the stage's engine " + engine);
                files.put(alt, existingFile(text(alternatives, key, path), path));
            }
        }
        String input = requiredText(n, "input", field + ".input");
        String output = requiredText(n, "output", field + ".output");
        int[] inShape = intArray(n, "inputShape", field + ".inputShape");
        int[] outShape = intArray(n, "outputShape", field + ".outputShape");
        ModelInfo.ValueRange range = ModelInfo.ValueRange.SYMMETRIC_UNIT;
        if (n.has("valueRange")) {
            double[] r = doubleArray(n.get("valueRange"), field + ".valueRange");
            if (r.length != 2) throw error(field + ".valueRange", "must be [min, max]");
            try {
                range = new ModelInfo.ValueRange(r[0], r[1]);
            } catch (IllegalArgumentException e) {
                throw error(field + ".valueRange", e.getMessage());
            }
        }
        return Optional.of(new PipelineStage(field, engine, files, input, output, inShape, outShape, range));
    }

    /** The latent is the sampler's state: the decoder takes it, the encoder produces it, and both see the same pixels. */
    private void checkPipeline(int[] sampleShape, Optional<PipelineStage> decoder, Optional<PipelineStage> encoder) {
        if (decoder.isPresent() && !java.util.Arrays.equals(decoder.get().inputShape(), sampleShape)) {
            throw error("decoder.inputShape", "must equal sampleShape " + java.util.Arrays.toString(sampleShape)
                    + ", got " + java.util.Arrays.toString(decoder.get().inputShape()));
        }
        if (encoder.isEmpty()) return;
        if (decoder.isEmpty()) throw error("encoder", "needs a decoder (an encoder alone has nothing to turn latents back into images)");
        if (!java.util.Arrays.equals(encoder.get().outputShape(), sampleShape)) {
            throw error("encoder.outputShape", "must equal sampleShape " + java.util.Arrays.toString(sampleShape)
                    + ", got " + java.util.Arrays.toString(encoder.get().outputShape()));
        }
        if (!java.util.Arrays.equals(encoder.get().inputShape(), decoder.get().outputShape())) {
            throw error("encoder.inputShape", "must equal decoder.outputShape " + java.util.Arrays.toString(decoder.get().outputShape())
                    + ", got " + java.util.Arrays.toString(encoder.get().inputShape()));
        }
    }

    /** A file inside the model directory that exists. */
    private String existingFile(String f, String path) {
        relativeFile(f, path);
        Path dir = file.toAbsolutePath().getParent();
        if (dir != null && !Files.isRegularFile(dir.resolve(f))) throw error(path, "names a file that does not exist: \"" + f + "\"");
        return f;
    }

    private Optional<ModelManifest.Evaluation> evaluation(JsonNode root) {
        JsonNode e = optionalObject(root, "evaluation", Set.of("classifier", "referenceFeatures"));
        if (e == null) return Optional.empty();
        Optional<String> classifier = e.has("classifier")
                ? Optional.of(relativeFile(text(e, "classifier", "evaluation.classifier"), "evaluation.classifier")) : Optional.empty();
        Optional<String> features = e.has("referenceFeatures")
                ? Optional.of(relativeFile(text(e, "referenceFeatures", "evaluation.referenceFeatures"), "evaluation.referenceFeatures"))
                : Optional.empty();
        return Optional.of(new ModelManifest.Evaluation(classifier, features));
    }

    // ---- field helpers: each names the field path in its error ----

    private ModelLoadException error(String field, String problem) {
        return new ModelLoadException(model, file, field.isEmpty() ? problem : "field '" + field + "' " + problem);
    }

    private void checkKeys(JsonNode obj, String prefix, Set<String> allowed) {
        for (Iterator<String> it = obj.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!allowed.contains(k)) {
                throw error(prefix + k, "is not a known manifest key (known: " + new java.util.TreeSet<>(allowed) + ")");
            }
        }
    }

    /** An optional object field; {@code allowed} null means free keys (engine names, schedule names). */
    private JsonNode optionalObject(JsonNode parent, String key, Set<String> allowed) {
        JsonNode n = parent.get(key);
        if (n == null) return null;
        if (!n.isObject()) throw error(key, "must be a JSON object");
        if (allowed != null) checkKeys(n, key + ".", allowed);
        return n;
    }

    private String requiredText(JsonNode obj, String key) {
        return requiredText(obj, key, key);
    }

    private String requiredText(JsonNode obj, String key, String path) {
        if (!obj.has(key)) throw error(path, "is required");
        return text(obj, key, path);
    }

    private String text(JsonNode obj, String key) {
        return text(obj, key, key);
    }

    private String text(JsonNode obj, String key, String path) {
        JsonNode n = obj.get(key);
        if (n == null || !n.isTextual() || n.asText().isBlank()) throw error(path, "must be a non-blank string");
        return n.asText();
    }

    private double number(JsonNode obj, String key, String path) {
        JsonNode n = obj.get(key);
        if (n == null || !n.isNumber() || !Double.isFinite(n.asDouble())) throw error(path, "must be a finite number");
        return n.asDouble();
    }

    private int positiveInt(JsonNode obj, String key, String path) {
        int v = intValue(obj.get(key), path);
        if (v <= 0) throw error(path, "must be a positive integer, got " + v);
        return v;
    }

    private int nonNegativeInt(JsonNode obj, String key, String path) {
        int v = intValue(obj.get(key), path);
        if (v < 0) throw error(path, "must be >= 0, got " + v);
        return v;
    }

    private int intValue(JsonNode n, String path) {
        if (n == null) throw error(path, "is required");
        if (!n.isIntegralNumber() || !n.canConvertToInt()) throw error(path, "must be an integer, got " + n);
        return n.asInt();
    }

    private int[] intArray(JsonNode root, String key) {
        return intArray(root, key, key);
    }

    private int[] intArray(JsonNode root, String jsonKey, String key) {
        JsonNode a = root.get(jsonKey);
        if (a == null) throw error(key, "is required");
        if (!a.isArray() || a.isEmpty()) throw error(key, "must be a non-empty array of positive integers");
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = intValue(a.get(i), key + "[" + i + "]");
            if (out[i] <= 0) throw error(key + "[" + i + "]", "must be positive, got " + out[i]);
        }
        return out;
    }

    private double[] doubleArray(JsonNode a, String path) {
        if (!a.isArray()) throw error(path, "must be an array of numbers");
        double[] out = new double[a.size()];
        for (int i = 0; i < out.length; i++) {
            JsonNode n = a.get(i);
            if (!n.isNumber() || !Double.isFinite(n.asDouble())) throw error(path + "[" + i + "]", "must be a finite number, got " + n);
            out[i] = n.asDouble();
        }
        return out;
    }

    private List<String> textArray(JsonNode a, String path) {
        if (!a.isArray()) throw error(path, "must be an array of strings");
        List<String> out = new ArrayList<>();
        for (int i = 0; i < a.size(); i++) {
            if (!a.get(i).isTextual()) throw error(path + "[" + i + "]", "must be a string");
            out.add(a.get(i).asText());
        }
        return out;
    }

    private EngineKind engine(String name, String path) {
        try {
            return EngineKind.fromName(name);
        } catch (IllegalArgumentException e) {
            throw error(path, e.getMessage());
        }
    }

    /** Weight files live beside the manifest: a path that is absolute or climbs out of the directory is refused. */
    private String relativeFile(String f, String path) {
        Path p = Path.of(f).normalize();
        if (p.isAbsolute() || p.startsWith("..")) throw error(path, "must be a path inside the model directory, got \"" + f + "\"");
        return f;
    }
}
