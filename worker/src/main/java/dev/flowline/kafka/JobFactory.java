package dev.flowline.kafka;

import dev.flowline.avro.Conditioning;
import dev.flowline.avro.GenerationRequest;
import dev.flowline.avro.OutputFormat;
import dev.flowline.avro.SamplerSpec;
import dev.flowline.batching.Job;
import dev.flowline.batching.StepChoice;
import dev.flowline.config.LimitOptions;
import dev.flowline.model.LatentEncoder;
import dev.flowline.model.ModelInfo;
import dev.flowline.model.PipelineStage;
import dev.flowline.model.VectorConditioning;
import dev.flowline.sampling.AdaptiveOptions;
import dev.flowline.sampling.InvalidSamplerException;
import dev.flowline.sampling.PartialStart;
import dev.flowline.sampling.SampleState;
import dev.flowline.sampling.Sampler;
import dev.flowline.sampling.SamplerConfig;
import dev.flowline.sampling.SamplerConfigBuilder;
import dev.flowline.sampling.SamplerLimits;
import dev.flowline.sampling.VelocityField;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Turns a decoded {@link GenerationRequest} into a scheduler {@link Job}: looks the model up, validates every field
 * against the model and the worker's limits, builds the sampler (the model's default step count when the request
 * gives none, its named schedules) and one sample state per requested sample. Pure and thread-safe: it runs on a
 * worker thread, never on the event loop.
 *
 * <p>Every rejection is an {@link InvalidJobException} whose message starts with the request field at fault.
 */
public final class JobFactory {

    /** The models the worker serves, by name (the model registry); must be thread-safe. */
    public interface ModelCatalog {
        Optional<ModelInfo> info(String name);

        /** Known names, for the error message of an unknown one. */
        Collection<String> names();

        /** A latent model's decoder: the job's output is what it produces (shape, value range). Empty for pixel models. */
        default Optional<PipelineStage> decoder(String name) {
            return Optional.empty();
        }

        /** A latent model's encoder, loaded (image-to-image jobs run it here, on the intake's worker thread). Empty when none. */
        default Optional<LatentEncoder> encoder(String name) {
            return Optional.empty();
        }

        /** A vector-conditioned model's conditioning vector (dim, null vector). Empty for other models. */
        default Optional<VectorConditioning> vectorConditioning(String name) {
            return Optional.empty();
        }
    }

    /** Dead-letter code of an image-to-image job whose image the model's encoder failed on (or encoded to NaN/Inf). */
    public static final String ENCODE_ERROR = "ENCODE_ERROR";

    /** Longest job id accepted: the id is the key of the result, progress and telemetry records. */
    public static final int MAX_JOB_ID_CHARS = 512;

    private final ModelCatalog models;
    private final LimitOptions limits;
    private final SamplerLimits samplerLimits;

    public JobFactory(ModelCatalog models, LimitOptions limits) {
        this.models = models;
        this.limits = limits;
        this.samplerLimits = new SamplerLimits(limits.maxSteps(), limits.maxNfe());
    }

    /**
     * The rejection of a job naming a model this worker does not serve: the one UNKNOWN_MODEL there is, whether intake
     * finds the model missing or (after the registry changed) the scheduler does at admission.
     */
    public InvalidJobException unknownModel(String model) {
        return new InvalidJobException(InvalidJobException.UNKNOWN_MODEL, "model",
                "unknown model '" + Rejection.abbreviate(model, 200) + "'; this worker serves " + models.names(), null);
    }

    /** The job for a request read from {@code record}; its origin is the returned ticket. */
    public Decoded.Valid create(GenerationRequest req, RecordRef record) throws InvalidJobException {
        String jobId = req.getJobId();
        if (jobId == null || jobId.isBlank()) throw InvalidJobException.field("jobId", "must not be blank");
        if (jobId.length() > MAX_JOB_ID_CHARS) {
            // the id keys the result and every event: a huge one would make them too large to publish
            throw InvalidJobException.field("jobId", jobId.length() + " characters, more than the limit " + MAX_JOB_ID_CHARS);
        }
        ModelInfo info = models.info(req.getModel()).orElseThrow(() -> unknownModel(req.getModel()));

        int n = req.getNumSamples();
        if (n < 1 || n > limits.maxSamples()) {
            throw InvalidJobException.field("numSamples", "must be in [1, " + limits.maxSamples() + "], got " + n);
        }
        Cond cond = condition(req.getConditioning(), info);
        int label = cond.label();
        checkMetadata(req.getMetadata());
        Optional<PipelineStage> decoder = models.decoder(info.name());
        OutputEncoder.ImageGeometry image = decoder.isPresent() ? decodedGeometry(req.getOutputFormat(), info, decoder.get())
                : imageGeometry(req.getOutputFormat(), info);
        // a latent model's output is the decoded sample: its shape and range, not the latent's
        int[] outShape = decoder.map(PipelineStage::outputShape).orElse(info.sampleShape());
        ModelInfo.ValueRange valueRange = decoder.map(PipelineStage::valueRange).orElse(info.valueRange());
        int previewEvery = req.getPreviewEvery() == null ? 0 : req.getPreviewEvery();
        OutputEncoder.ImageGeometry preview = previewEvery == 0 ? null
                : previewGeometry(previewEvery, req.getProgress(), info, decoder.orElse(null));

        SamplerSpec spec = req.getSampler();
        QualityTier tier = QualityTier.of(spec, info); // first: a tier with a range is the tier's error
        StepRange range = StepRange.of(spec, info, limits.maxSteps());
        if (range != null && choosesOwnSteps(spec.getSolver())) {
            throw InvalidJobException.field("sampler.minSteps", "a step range needs a fixed-step solver; '" + spec.getSolver()
                    + "' chooses its own steps");
        }
        List<Sampler> tierSamplers = tier == null ? null : tierSamplers(spec, info, cond, tier);
        // a range or tier runs its largest candidate unless the scheduler picks less at admission
        Sampler sampler = tierSamplers != null ? tierSamplers.getLast() : sampler(spec, info, cond, range == null ? null : range.max());
        PartialStart start = initImage(req.getInitImage(), info, tierSamplers == null ? List.of(sampler) : tierSamplers,
                tier == null ? null : tier.name());
        List<SampleState> samples = samples(sampler, info, req.getSeed(), n, cond, start);
        JobTicket ticket = new JobTicket(record, jobId, info.name(), req.getOutputFormat(), outShape, image,
                valueRange.min(), valueRange.max(), n, req.getMetadata(), SamplerChoice.of(sampler), preview);
        Job.Builder job = Job.builder().setJobId(jobId).setModel(info.name()).setSamples(samples)
                .optPriority(req.getPriority()).optDeadline(req.getDeadline()).optProgress(req.getProgress())
                .optOrigin(ticket).optSamplerKey(sampler.config() + (start == null ? "" : "/from t=" + start.t0()))
                .optDedupKey(dedupKey(info, cond, start, sampler, req.getSeed())).optPreviewEvery(previewEvery)
                .optEvaluationsPerSample(sampler.steps() > 0 && (start == null || start.t0() < 1)
                        ? sampler.maxNfe() : 0); // adaptive solvers: unknown; strength 0: none
        if (range != null) job.optStepChoice(stepChoice(spec, info, cond, range, req.getSeed(), n, start));
        if (tierSamplers != null) job.optStepChoice(tierChoice(tierSamplers, info, cond, req.getSeed(), n, start));
        return new Decoded.Valid(record, job.build(), ticket);
    }

    private static List<SampleState> samples(Sampler sampler, ModelInfo info, long seed, int n, Cond cond, PartialStart start) {
        List<SampleState> samples = new ArrayList<>(n);
        for (int i = 0; i < n; i++) samples.add(sampler.newSample(info.dim(), seed, i, cond.label(), start, cond.vector()));
        return samples;
    }

    /**
     * Image-to-image: the start of every sample, or null for an ordinary job (no initImage, or strength 1, which
     * ignores the image once it is validated, so that it gives the bytes of the same job without one). The image is
     * checked and encoded here, on the intake's worker thread: the encoder is one small call per job, cheaper than a
     * trip through the device thread's batching, and it never touches the event loop.
     */
    private PartialStart initImage(dev.flowline.avro.InitImage init, ModelInfo info, List<Sampler> samplers, String tier)
            throws InvalidJobException {
        if (init == null) return null;
        LatentEncoder encoder = models.encoder(info.name()).orElseThrow(() -> InvalidJobException.field("initImage",
                "model '" + info.name() + "' has no encoder, so no image-to-image"));
        double strength = init.getStrength();
        if (!(strength >= 0 && strength <= 1)) { // NaN fails too
            throw InvalidJobException.field("initImage.strength", "must be in [0, 1], got " + strength);
        }
        byte[] data = new byte[init.getData().remaining()];
        init.getData().duplicate().get(data);
        float[] pixels = InitImages.pixels(data, encoder.stage());
        if (strength == 1) return null;
        for (Sampler sampler : samplers) {
            if (!sampler.config().solver().isModelDefined()) continue;
            if (tier != null) { // any candidate may be the one chosen
                throw InvalidJobException.field("sampler.tier", "tier '" + tier + "' may run the learned solver " + sampler.solverName()
                        + ", whose times span [0, 1]; image-to-image starts at t = 1 - initImage.strength (ask for a fixed-step "
                        + "or adaptive solver)");
            }
            throw InvalidJobException.field("sampler.solver", "a bespoke solver's learned times span [0, 1]; image-to-image "
                    + "starts at t = 1 - initImage.strength (use a fixed-step or adaptive solver)");
        }
        float[] latent = new float[encoder.outputDim()];
        try {
            encoder.run(1, pixels, latent);
        } catch (RuntimeException e) { // the engine's failure, not the request's: its own code, still naming the field
            throw new InvalidJobException(ENCODE_ERROR, "initImage", "the encoder of model '" + info.name() + "' failed: "
                    + e.getMessage(), e);
        }
        for (float v : latent) {
            if (!Float.isFinite(v)) { // a sample from a NaN latent would be garbage
                throw new InvalidJobException(ENCODE_ERROR, "initImage", "the encoder of model '" + info.name()
                        + "' returned a non-finite latent for this image", null);
            }
        }
        return PartialStart.ofStrength(strength, latent);
    }

    /**
     * The scheduler's choice of step count for a range. Both ends are checked here (naming the field), so every
     * count between is a valid grid of the same solver; the scheduler builds the samples of the count it picks.
     */
    private StepChoice stepChoice(SamplerSpec spec, ModelInfo info, Cond cond, StepRange range, long seed, int n,
                                  PartialStart start) throws InvalidJobException {
        try {
            sampler(spec, info, cond, range.min());
        } catch (InvalidJobException e) {
            throw InvalidJobException.field("sampler.minSteps", "no valid sampler at minSteps=" + range.min() + ": " + e.getMessage());
        }
        java.util.function.IntFunction<Sampler> at = steps -> {
            try {
                return sampler(spec, info, cond, steps);
            } catch (InvalidJobException e) { // both ends were valid: a count between them is too
                throw new IllegalStateException(e);
            }
        };
        return StepChoice.range(range.min(), range.max(), steps -> candidate(at.apply(steps)),
                steps -> samples(at.apply(steps), info, seed, n, cond, start));
    }

    /**
     * A tier's samplers for this job: each candidate applied to the job's spec as a replay asking for exactly it (its
     * samplerUsed) would be, so the job's guidance and conditioning hold for all. Every candidate is checked here; one
     * the worker's limits refuse is the tier's error, one the job's own fields rule out (e.g. guidance on a model without
     * a null class) is that field's.
     */
    private List<Sampler> tierSamplers(SamplerSpec spec, ModelInfo info, Cond cond, QualityTier tier) throws InvalidJobException {
        List<Sampler> out = new ArrayList<>();
        for (SamplerChoice c : tier.candidates()) {
            SamplerSpec asked = SamplerSpec.newBuilder(spec).setTier(null).setSolver(c.solver())
                    .setSteps(c.steps() > 0 ? c.steps() : null).setSchedule(c.schedule()).build();
            try {
                out.add(sampler(asked, info, cond, null));
            } catch (InvalidJobException e) {
                String field = e.field() == null ? "sampler.tier" : e.field();
                boolean tierFixed = List.of("sampler.solver", "sampler.steps", "sampler.schedule", "sampler.nfeBudget",
                        "sampler.times").contains(field);
                String message = stripField(e);
                throw new InvalidJobException(e.errorCode(), tierFixed ? "sampler.tier" : field, "tier '" + tier.name()
                        + "' runs " + c.describe() + ": " + message, e);
            }
        }
        return out;
    }

    /** The scheduler's choice among a tier's samplers, cheapest first (the manifest's order, checked at model load). */
    private StepChoice tierChoice(List<Sampler> samplers, ModelInfo info, Cond cond, long seed, int n, PartialStart start) {
        List<StepChoice.Candidate> candidates = samplers.stream().map(JobFactory::candidate).toList();
        return StepChoice.of(candidates, i -> samples(samplers.get(i), info, seed, n, cond, start));
    }

    /** A sampler as a candidate of the scheduler's choice: what the result's samplerUsed reports, and its cost. */
    private static StepChoice.Candidate candidate(Sampler s) {
        SamplerChoice c = SamplerChoice.of(s);
        return new StepChoice.Candidate(c.solver(), c.steps(), c.schedule(), s.maxNfe());
    }

    /**
     * A job's condition as the sampler takes it: a class label (or NO_LABEL), or for a vector-conditioned model the
     * job's vector with label 0 marking its rows conditional (NO_LABEL and no vector: the null vector throughout).
     *
     * @param guidable     whether classifier-free guidance has an unconditional side (null class, null vector)
     * @param guidanceNeed what a guided job lacks when it gives no condition, for the error message
     */
    private record Cond(int label, float[] vector, boolean guidable, String guidanceNeed) {}

    private Cond condition(Conditioning c, ModelInfo info) throws InvalidJobException {
        Optional<VectorConditioning> vc = models.vectorConditioning(info.name());
        if (vc.isEmpty()) return new Cond(label(c, info), null, info.supportsGuidance(), "a class label (conditioning.classLabel)");
        VectorConditioning v = vc.get();
        boolean hasNull = v.nullVector() != null;
        if (c != null && c.getClassLabel() != null) {
            throw InvalidJobException.field("conditioning.classLabel", "model '" + info.name() + "' takes a conditioning vector "
                    + "(conditioning.vector, " + v.dim() + " floats), not a class label");
        }
        List<Float> given = c == null ? null : c.getVector();
        if (given == null) {
            if (!hasNull) {
                throw InvalidJobException.field("conditioning.vector", "required: model '" + info.name() + "' takes a vector of "
                        + v.dim() + " floats and declares no null vector for unconditional samples");
            }
            return new Cond(VelocityField.NO_LABEL, null, true, "a conditioning vector (conditioning.vector)");
        }
        if (given.size() != v.dim()) {
            throw InvalidJobException.field("conditioning.vector", "model '" + info.name() + "' takes " + v.dim()
                    + " floats, got " + given.size());
        }
        float[] vector = new float[given.size()];
        for (int i = 0; i < vector.length; i++) {
            Float f = given.get(i);
            if (f == null || !Float.isFinite(f)) throw InvalidJobException.field("conditioning.vector", "value " + i + " is " + f + "; all must be finite");
            vector[i] = f;
        }
        return new Cond(0, vector, hasNull, "a conditioning vector (conditioning.vector)");
    }

    /**
     * Everything a sample's bytes depend on besides its index: the model (name and version, which also fix its learned
     * solvers and named grids), the class label, the whole sampler configuration (solver, grid, steps, guidance scale
     * and interval, stochasticity, solver parameters; records print every field) and the seed. Jobs with equal keys
     * share their in-flight samples of equal index; the output format, priority and deadline do not matter.
     */
    /**
     * {@link #dedupKey(ModelInfo, int, Sampler, long)} with what else decides a sample: the conditioning vector and
     * an image-to-image start (t0 and a digest of the encoded image), so that jobs differing only there never share.
     */
    static String dedupKey(ModelInfo info, Cond cond, PartialStart start, Sampler sampler, long seed) {
        String key = dedupKey(info, cond.label(), sampler, seed);
        if (cond.vector() != null) key += "|vector=" + java.util.Arrays.toString(cond.vector());
        if (start != null) key += "|from t=" + start.t0() + "|z=" + floatsDigest(start.latent());
        return key;
    }

    /** SHA-256 of the floats' bits: equal exactly when the floats are, whatever their number. */
    private static String floatsDigest(float[] v) {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(v.length * Float.BYTES);
        for (float f : v) b.putInt(Float.floatToRawIntBits(f));
        return dev.flowline.output.Digests.sha256Hex(b.array());
    }

    static String dedupKey(ModelInfo info, int label, Sampler sampler, long seed) {
        return info.name() + "@" + info.version() + "|label=" + label + "|" + sampler.config() + "|" + sampler.solverName()
                + "|seed=" + seed;
    }

    private static int label(Conditioning c, ModelInfo info) throws InvalidJobException {
        if (c == null) return VelocityField.NO_LABEL;
        if (c.getVector() != null) {
            throw InvalidJobException.field("conditioning.vector", "model '" + info.name() + "' takes no conditioning vector");
        }
        Integer label = c.getClassLabel();
        if (label == null) return VelocityField.NO_LABEL;
        if (info.numClasses() == 0) {
            throw InvalidJobException.field("conditioning.classLabel", "model '" + info.name() + "' is unconditional, got label " + label);
        }
        if (label < 0 || label >= info.numClasses()) {
            throw InvalidJobException.field("conditioning.classLabel", "must be in [0, " + (info.numClasses() - 1) + "] for model '"
                    + info.name() + "', got " + label);
        }
        return label;
    }

    /** {@code steps}: a count the job's step range chose, in place of the spec's own. */
    private Sampler sampler(SamplerSpec spec, ModelInfo info, Cond cond, Integer steps) throws InvalidJobException {
        int label = cond.label();
        double w = spec.getGuidanceScale();
        if (w > limits.maxGuidanceScale()) { // NaN and negative values are the sampling library's to reject
            throw InvalidJobException.field("sampler.guidanceScale", "must be in [0, " + limits.maxGuidanceScale()
                    + "] (limits.maxGuidanceScale; 1 = no guidance), got " + w);
        }
        if (w != 1.0) {
            if (label == VelocityField.NO_LABEL) {
                throw InvalidJobException.field("sampler.guidanceScale", "guidance needs " + cond.guidanceNeed());
            }
            if (!cond.guidable()) {
                throw InvalidJobException.field("sampler.guidanceScale", "model '" + info.name() + "' has no "
                        + (cond.vector() != null ? "null vector" : "null class") + ", so no classifier-free guidance");
            }
        }
        try {
            SamplerConfigBuilder b = SamplerConfig.builder()
                    .optSolver(spec.getSolver())
                    .optSteps(steps != null ? steps : stepsOrModelDefault(spec, info))
                    .optNfeBudget(spec.getNfeBudget())
                    .optSchedule(spec.getSchedule(), spec.getScheduleParams())
                    .optTimes(spec.getTimes() == null ? null : spec.getTimes().stream().mapToDouble(Double::doubleValue).toArray())
                    .optGuidanceScale(spec.getGuidanceScale())
                    .optStochasticity(spec.getStochasticity())
                    .optSolverParams(solverParams(spec))
                    .optLimits(samplerLimits);
            if (spec.getGuidanceInterval() != null) {
                b.optGuidanceInterval(spec.getGuidanceInterval().getStart(), spec.getGuidanceInterval().getEnd());
            }
            SamplerConfig config = b.build();
            if (config.solver() == dev.flowline.sampling.Solver.FLOWMAP && !info.flowMap()) {
                throw InvalidJobException.field("sampler.solver", "flowmap needs a flow-map model (one with a target-time "
                        + "input r); model '" + info.name() + "' is an ordinary velocity model");
            }
            return Sampler.of(config, info.samplerCatalog());
        } catch (InvalidSamplerException e) {
            throw new InvalidJobException(InvalidJobException.INVALID_FIELD, "sampler." + e.field(), stripField(e), e);
        }
    }

    /**
     * The model's default step count applies when the request fixes no step count in any way (no steps, budget,
     * explicit grid or named grid) and its solver is not adaptive (an adaptive solver takes no step count).
     */
    private static Integer stepsOrModelDefault(SamplerSpec spec, ModelInfo info) {
        if (spec.getSteps() != null || spec.getNfeBudget() != null || spec.getTimes() != null) return spec.getSteps();
        String schedule = spec.getSchedule() == null ? "" : spec.getSchedule().strip().toLowerCase(java.util.Locale.ROOT);
        if (!schedule.isEmpty() && !schedule.equals("uniform") && !schedule.equals("shifted")) return null;
        if (choosesOwnSteps(spec.getSolver())) return null;
        return info.defaultSampler().steps();
    }

    /**
     * Whether the named solver takes no step count from the job: an adaptive one makes its own grid, a learned one
     * ships its own. Asked of the sampling library; an unknown name is the sampler builder's to reject, naming it.
     */
    private static boolean choosesOwnSteps(String solverName) {
        if (solverName == null) return false;
        try {
            dev.flowline.sampling.Solver s = dev.flowline.sampling.Solver.parse(solverName);
            return s.isAdaptive() || s.isModelDefined();
        } catch (InvalidSamplerException e) {
            return false;
        }
    }

    /**
     * An adaptive solver's default evaluation cap ({@link AdaptiveOptions#DEFAULT_MAX_NFE}) is lowered to the worker's
     * limit when the job does not set one; a cap the job sets itself is checked against the limit.
     */
    private Map<String, Double> solverParams(SamplerSpec spec) {
        Map<String, Double> params = spec.getSolverParams();
        String solver = spec.getSolver() == null ? "" : spec.getSolver().strip().toLowerCase(java.util.Locale.ROOT);
        if (!solver.equals("dopri5") || params.containsKey("maxNfe") || AdaptiveOptions.DEFAULT_MAX_NFE <= samplerLimits.maxNfe()) {
            return params;
        }
        Map<String, Double> capped = new java.util.HashMap<>(params);
        capped.put("maxNfe", (double) samplerLimits.maxNfe());
        return capped;
    }

    private void checkMetadata(Map<String, String> metadata) throws InvalidJobException {
        long bytes = 0;
        for (Map.Entry<String, String> e : metadata.entrySet()) {
            bytes += e.getKey().getBytes(StandardCharsets.UTF_8).length + e.getValue().getBytes(StandardCharsets.UTF_8).length;
        }
        if (bytes > limits.maxMetadataBytes()) {
            throw InvalidJobException.field("metadata", bytes + " bytes, more than the limit " + limits.maxMetadataBytes());
        }
    }

    private static OutputEncoder.ImageGeometry imageGeometry(OutputFormat format, ModelInfo info) throws InvalidJobException {
        if (format != OutputFormat.PNG) return null;
        if (info.image().isPresent()) {
            ModelInfo.ImageLayout l = info.image().get();
            return new OutputEncoder.ImageGeometry(l.channels(), l.height(), l.width());
        }
        return OutputEncoder.imageGeometry(info.sampleShape()).orElseThrow(() -> InvalidJobException.field("outputFormat",
                "model '" + info.name() + "' does not produce images (shape " + java.util.Arrays.toString(info.sampleShape())
                        + "); ask for RAW_FLOAT32"));
    }

    private static OutputEncoder.ImageGeometry decodedGeometry(OutputFormat format, ModelInfo info, PipelineStage decoder)
            throws InvalidJobException {
        if (format != OutputFormat.PNG) return null;
        return OutputEncoder.imageGeometry(decoder.outputShape()).orElseThrow(() -> InvalidJobException.field("outputFormat",
                "the decoder of model '" + info.name() + "' does not produce images (shape "
                        + java.util.Arrays.toString(decoder.outputShape()) + "); ask for RAW_FLOAT32"));
    }

    /**
     * Previews ride on progress events and are images: a job asking for them must ask for progress and its model must
     * produce images (whatever the output format); a latent model's previews are decoded, so its decoder must.
     * Rejected rather than ignored, so a client learns why none come.
     */
    private static OutputEncoder.ImageGeometry previewGeometry(int every, boolean progress, ModelInfo info, PipelineStage decoder)
            throws InvalidJobException {
        if (every < 0) throw InvalidJobException.field("previewEvery", "must be >= 1 (or absent for none), got " + every);
        if (!progress) throw InvalidJobException.field("previewEvery", "previews ride on progress events: set progress to true");
        if (decoder != null) {
            return OutputEncoder.imageGeometry(decoder.outputShape()).orElseThrow(() -> InvalidJobException.field("previewEvery",
                    "the decoder of model '" + info.name() + "' does not produce images (shape "
                            + java.util.Arrays.toString(decoder.outputShape()) + "), so it has no previews"));
        }
        if (info.image().isPresent()) {
            ModelInfo.ImageLayout l = info.image().get();
            return new OutputEncoder.ImageGeometry(l.channels(), l.height(), l.width());
        }
        return OutputEncoder.imageGeometry(info.sampleShape()).orElseThrow(() -> InvalidJobException.field("previewEvery",
                "model '" + info.name() + "' does not produce images (shape " + java.util.Arrays.toString(info.sampleShape())
                        + "), so it has no previews"));
    }

    /** InvalidSamplerException messages start with "field: "; the field is prefixed again by InvalidJobException. */
    private static String stripField(InvalidSamplerException e) {
        String m = String.valueOf(e.getMessage());
        String prefix = e.field() + ": ";
        return m.startsWith(prefix) ? m.substring(prefix.length()) : m;
    }

    /** The message of an InvalidJobException without its leading "field: ". */
    private static String stripField(InvalidJobException e) {
        String m = String.valueOf(e.getMessage());
        String prefix = e.field() + ": ";
        return e.field() != null && m.startsWith(prefix) ? m.substring(prefix.length()) : m;
    }
}
