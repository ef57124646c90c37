package dev.flowline.model;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The models a worker can serve, by name: jobs name a model, never a path.
 *
 * <p>At construction the registry reads every manifest (configured directories, then the built-in models on the
 * classpath) so that a broken manifest fails the start, not the first job. Weights load lazily on the first
 * {@link #get}, on the engine the manifest names or the configured override, and stay loaded until {@link #close}.
 * Every failure is a {@link ModelLoadException} naming the model and the file.
 *
 * <p>Models returned by {@link #get} belong to the registry: callers use them and never close them.
 * Thread-safe; loading is serialised (it is rare and the engines' native start is not re-entrant anyway).
 */
public final class ModelRegistry implements AutoCloseable {
    static {
        DjlRuntime.ensureOffline();
    }

    private static final Logger log = LoggerFactory.getLogger(ModelRegistry.class);

    private final ModelRegistryOptions options;
    private final Map<String, ModelManifest> manifests;
    private final Map<String, VelocityModel> inProcess = new TreeMap<>();
    private final Map<String, VelocityModel> loaded = new LinkedHashMap<>();
    /** Loaded decoders of latent models, by model name. */
    private final Map<String, DjlStageModel> decoders = new LinkedHashMap<>();
    /** Loaded encoders (image-to-image), by model name. */
    private final Map<String, DjlStageModel> encoders = new LinkedHashMap<>();
    private boolean closed;

    /**
     * Reads every manifest.
     *
     * @throws ModelLoadException       for an invalid manifest, or two models of the same name in configured directories
     * @throws IllegalArgumentException for a configured directory that does not exist, or an engine override naming an
     *                                  unknown model
     */
    public ModelRegistry(ModelRegistryOptions options) {
        this.options = options;
        Map<String, ModelManifest> found = new TreeMap<>();
        for (Path dir : options.modelDirs()) {
            for (Path manifestFile : manifestsUnder(dir)) {
                ModelManifest m = ManifestReader.read(manifestFile);
                ModelManifest previous = found.putIfAbsent(m.name(), m);
                if (previous != null) {
                    throw new ModelLoadException(m.name(), manifestFile, "is also defined by " + previous.manifestFile());
                }
            }
        }
        if (options.builtIn()) {
            for (String name : BuiltInModels.NAMES) {
                if (found.containsKey(name)) {
                    // An operator's own copy (e.g. a retrained demo model) takes precedence over the jar's.
                    log.info("model '{}' from {} replaces the built-in one", name, found.get(name).manifestFile());
                    continue;
                }
                BuiltInModels.extract(name, options.cacheDir()).ifPresentOrElse(
                        f -> found.put(name, ManifestReader.read(f)),
                        () -> log.debug("built-in model '{}' is not on the classpath", name));
            }
        }
        this.manifests = Collections.unmodifiableMap(found);
        options.engineOverrides().forEach((name, engine) -> {
            ModelManifest m = manifests.get(name);
            if (m == null) {
                throw new IllegalArgumentException("engineOverrides names unknown model '" + name + "'; known: " + manifests.keySet());
            }
            if (!m.engines().contains(engine)) {
                throw new ModelLoadException(name, m.manifestFile(), "engine override " + engine + " is neither the manifest's engine nor an alternative; available: " + m.engines());
            }
        });
    }

    /** Directories holding a manifest: {@code dir} itself, or its immediate subdirectories. */
    private static List<Path> manifestsUnder(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException("modelDirs: '" + dir + "' is not a directory");
        }
        List<Path> out = new ArrayList<>();
        Path own = dir.resolve(ModelManifest.FILE_NAME);
        if (Files.isRegularFile(own)) out.add(own);
        try (Stream<Path> children = Files.list(dir)) {
            children.filter(Files::isDirectory).sorted()
                    .map(d -> d.resolve(ModelManifest.FILE_NAME))
                    .filter(Files::isRegularFile)
                    .forEach(out::add);
        } catch (IOException e) {
            throw new IllegalArgumentException("modelDirs: cannot list '" + dir + "': " + e.getMessage(), e);
        }
        return out;
    }

    /** Names of every model this registry can serve, sorted. */
    public synchronized Set<String> names() {
        TreeMap<String, Boolean> all = new TreeMap<>();
        manifests.keySet().forEach(n -> all.put(n, true));
        inProcess.keySet().forEach(n -> all.put(n, true));
        return Collections.unmodifiableSet(all.keySet());
    }

    /** Describes a model without loading its weights. */
    public synchronized ModelInfo info(String name) {
        VelocityModel m = inProcess.get(name);
        if (m != null) return m.info();
        return manifest(name).info();
    }

    /** The manifest of a file-backed model. */
    public synchronized ModelManifest manifest(String name) {
        ModelManifest m = manifests.get(name);
        if (m == null) throw unknown(name);
        return m;
    }

    /** The engine {@link #get} loads {@code name} on: the configured override, else the manifest's. */
    public EngineKind engineFor(String name) {
        EngineKind override = options.engineOverrides().get(name);
        return override != null ? override : manifest(name).engine();
    }

    /**
     * The loaded model, loading it on first use.
     *
     * @throws ModelLoadException for an unknown name (the message lists the known ones) or any load failure
     */
    public synchronized VelocityModel get(String name) {
        if (closed) throw new IllegalStateException("model registry is closed");
        VelocityModel m = inProcess.get(name);
        if (m == null) m = loaded.get(name);
        if (m != null) return m;
        ModelManifest manifest = manifest(name);
        EngineKind engine = engineFor(name);
        log.info("loading model '{}' on {} from {}", name, engine, manifest.weightsFile(engine));
        DjlVelocityModel model = DjlVelocityModel.load(manifest, engine, options.runtime());
        log.info("loaded model '{}' on {}/{}", name, engine, model.device());
        loaded.put(name, model);
        return model;
    }

    /** A latent model's {@code decoder} as its manifest declares it (no loading); empty for other models. */
    public synchronized Optional<PipelineStage> decoderStage(String name) {
        if (inProcess.containsKey(name)) return Optional.empty();
        return manifest(name).decoder();
    }

    /**
     * The decoder of a latent model (its manifest's {@code decoder}), loading it on first use on the model's engine
     * (or the decoder's own engine when it has no file for that one); empty for a model without one.
     *
     * @throws ModelLoadException for an unknown name or a decoder that does not load
     */
    public synchronized Optional<LatentDecoder> decoder(String name) {
        if (closed) throw new IllegalStateException("model registry is closed");
        if (inProcess.containsKey(name)) return Optional.empty();
        DjlStageModel d = decoders.get(name);
        if (d != null) return Optional.of(d);
        ModelManifest manifest = manifest(name);
        if (manifest.decoder().isEmpty()) return Optional.empty();
        d = DjlStageModel.load(manifest, manifest.decoder().get(), engineFor(name), options.runtime());
        log.info("loaded the decoder of model '{}': {}", name, d.stage());
        decoders.put(name, d);
        return Optional.of(d);
    }

    /** The conditioning vector of a vector-conditioned model, as its manifest declares it; empty for other models. */
    public synchronized Optional<VectorConditioning> vectorConditioning(String name) {
        if (inProcess.containsKey(name)) return inProcess.get(name).vectorConditioning();
        return manifest(name).vector();
    }

    /** A latent model's {@code encoder} as its manifest declares it (no loading); empty for a model without one. */
    public synchronized Optional<PipelineStage> encoderStage(String name) {
        if (inProcess.containsKey(name)) return Optional.empty();
        return manifest(name).encoder();
    }

    /**
     * The encoder of a latent model (its manifest's {@code encoder}, for image-to-image jobs), loaded on first use as
     * {@link #decoder} is; empty for a model without one.
     *
     * @throws ModelLoadException for an unknown name or an encoder that does not load
     */
    public synchronized Optional<LatentEncoder> encoder(String name) {
        if (closed) throw new IllegalStateException("model registry is closed");
        if (inProcess.containsKey(name)) return Optional.empty();
        DjlStageModel e = encoders.get(name);
        if (e != null) return Optional.of(e);
        ModelManifest manifest = manifest(name);
        if (manifest.encoder().isEmpty()) return Optional.empty();
        e = DjlStageModel.load(manifest, manifest.encoder().get(), engineFor(name), options.runtime());
        log.info("loaded the encoder of model '{}': {}", name, e.stage());
        encoders.put(name, e);
        return Optional.of(e);
    }

    /**
     * Offers an in-process model (e.g. {@link AnalyticGaussianModel} for benchmarks) under its {@code info().name()};
     * the registry closes it on {@link #close}.
     *
     * @throws IllegalArgumentException if a model of that name is already known
     */
    public synchronized void register(VelocityModel model) {
        if (closed) throw new IllegalStateException("model registry is closed");
        String name = model.info().name();
        if (manifests.containsKey(name) || inProcess.containsKey(name)) {
            throw new IllegalArgumentException("a model named '" + name + "' is already registered");
        }
        inProcess.put(name, model);
    }

    /** Closes every loaded and registered model; later {@link #get} calls fail. */
    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        RuntimeException first = null;
        List<AutoCloseable> all = new ArrayList<>(loaded.values());
        all.addAll(inProcess.values());
        all.addAll(decoders.values());
        all.addAll(encoders.values());
        for (AutoCloseable m : all) {
            try {
                m.close();
            } catch (Exception e) {
                RuntimeException r = e instanceof RuntimeException re ? re : new IllegalStateException(e);
                if (first == null) first = r;
                else first.addSuppressed(r);
            }
        }
        loaded.clear();
        decoders.clear();
        encoders.clear();
        inProcess.clear();
        if (first != null) throw first;
    }

    private ModelLoadException unknown(String name) {
        return new ModelLoadException(name, null, "unknown model; known models: " + names());
    }
}
