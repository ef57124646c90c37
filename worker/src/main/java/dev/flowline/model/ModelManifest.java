package dev.flowline.model;

import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * A parsed, validated {@code flowline-model.json}: everything needed to load a model and to describe it.
 * Read with {@link ManifestReader}; the public {@link ModelInfo} is {@link #info()}.
 *
 * @param manifestFile the manifest's own path; weight files resolve against its directory
 * @param info         name, shape, conditioning and defaults
 * @param engine       the engine the model runs on unless configuration picks an alternative
 * @param files        weight file (relative to the manifest's directory) per engine; holds at least {@code engine}
 * @param inputs       the model's input names
 * @param output       the model's output name (ONNX picks the output by it; TorchScript returns one tensor)
 * @param labelType    integer type of the label input
 * @param time         how the model's time maps to Flowline time
 * @param evaluation   files the offline evaluation uses, if any
 * @param decoder      latent-to-pixel stage of a latent model (its input shape is the sample shape), if any
 * @param encoder      pixel-to-latent stage for image-to-image jobs (its output shape is the sample shape), if any
 * @param vector       the conditioning vector of a vector-conditioned model, if it is one
 */
public record ModelManifest(Path manifestFile, ModelInfo info, EngineKind engine, Map<EngineKind, String> files,
                            Inputs inputs, String output, LabelType labelType, TimeConvention time,
                            Optional<Evaluation> evaluation, Optional<PipelineStage> decoder,
                            Optional<PipelineStage> encoder, Optional<VectorConditioning> vector) {

    /** File name a model directory must contain. */
    public static final String FILE_NAME = "flowline-model.json";

    public ModelManifest {
        Objects.requireNonNull(manifestFile, "manifestFile");
        Objects.requireNonNull(info, "info");
        Objects.requireNonNull(engine, "engine");
        files = Map.copyOf(files);
        if (!files.containsKey(engine)) throw new IllegalArgumentException("no file for the model's engine " + engine);
        Objects.requireNonNull(inputs, "inputs");
        if (info.numClasses() > 0 && inputs.label().isEmpty()) {
            throw new IllegalArgumentException("a class-conditional model needs inputs.label");
        }
        if (output == null || output.isBlank()) throw new IllegalArgumentException("output must not be blank");
        Objects.requireNonNull(labelType, "labelType");
        Objects.requireNonNull(time, "time");
        evaluation = evaluation == null ? Optional.empty() : evaluation;
        decoder = decoder == null ? Optional.empty() : decoder;
        encoder = encoder == null ? Optional.empty() : encoder;
        vector = vector == null ? Optional.empty() : vector;
        if (vector.isPresent() != inputs.vector().isPresent()) {
            throw new IllegalArgumentException("a vector-conditioned model, and only one, needs inputs.vector");
        }
        if (encoder.isPresent() && decoder.isEmpty()) throw new IllegalArgumentException("field 'encoder' needs a decoder");
    }

    /** Absolute path of a pipeline stage's weights for {@code kind}. */
    public Path stageFile(PipelineStage stage, EngineKind kind) {
        String f = stage.files().get(kind);
        if (f == null) {
            throw new ModelLoadException(name(), manifestFile, stage.field() + " has no file for engine " + kind + "; it has " + stage.files());
        }
        return directory().resolve(f).normalize();
    }

    /** The registry name. */
    public String name() {
        return info.name();
    }

    /** The directory holding the manifest and the files it names. */
    public Path directory() {
        return manifestFile.toAbsolutePath().getParent();
    }

    /** Engines this model has a file for. */
    public Set<EngineKind> engines() {
        return files.keySet();
    }

    /** Absolute path of the weights for {@code kind}. */
    public Path weightsFile(EngineKind kind) {
        String f = files.get(kind);
        if (f == null) {
            throw new ModelLoadException(name(), manifestFile, "has no file for engine " + kind + "; it has " + files);
        }
        return directory().resolve(f).normalize();
    }

    /** Whether the model takes a label input. */
    public boolean conditional() {
        return inputs.label().isPresent();
    }

    /**
     * Names of the model's inputs. ONNX Runtime binds inputs by these names; TorchScript takes them positionally in
     * the order x, t, r, label. {@code r} (a flow map's target time, in the same time convention as t) makes the model
     * a flow map u(x, t, r).
     */
    public record Inputs(String x, String t, Optional<String> label, Optional<String> r, Optional<String> vector) {
        public Inputs {
            if (x == null || x.isBlank() || t == null || t.isBlank()) throw new IllegalArgumentException("inputs.x and inputs.t must not be blank");
            label = label == null ? Optional.empty() : label;
            r = r == null ? Optional.empty() : r;
            vector = vector == null ? Optional.empty() : vector;
        }

        public Inputs(String x, String t, Optional<String> label, Optional<String> r) {
            this(x, t, label, r, Optional.empty());
        }

        public Inputs(String x, String t, Optional<String> label) {
            this(x, t, label, Optional.empty());
        }
    }

    /** Files (relative to the manifest's directory) for offline quality evaluation; the model runtime only carries them. */
    public record Evaluation(Optional<String> classifier, Optional<String> referenceFeatures) {
        public Evaluation {
            classifier = classifier == null ? Optional.empty() : classifier;
            referenceFeatures = referenceFeatures == null ? Optional.empty() : referenceFeatures;
        }
    }
}
