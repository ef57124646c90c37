package dev.flowline.model;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Where the registry finds models and how it loads them.
 *
 * @param modelDirs       directories whose subdirectories (or themselves) hold a {@code flowline-model.json}
 * @param builtIn         whether to offer the models shipped on the classpath under {@code /models/<name>/}
 * @param runtime         device and thread settings for every model
 * @param engineOverrides per model name, an engine to use instead of the manifest's {@code engine} (it must be the
 *                        manifest's engine or one of its {@code alternatives})
 * @param cacheDir        where built-in model files are extracted (DJL loads files, not classpath resources);
 *                        null: {@code ${java.io.tmpdir}/flowline-models}
 */
public record ModelRegistryOptions(List<Path> modelDirs, boolean builtIn, ModelRuntimeOptions runtime,
                                   Map<String, EngineKind> engineOverrides, Path cacheDir) {

    public ModelRegistryOptions {
        modelDirs = List.copyOf(modelDirs == null ? List.of() : modelDirs);
        if (runtime == null) runtime = ModelRuntimeOptions.DEFAULT;
        engineOverrides = Map.copyOf(engineOverrides == null ? Map.of() : engineOverrides);
        if (cacheDir == null) cacheDir = Path.of(System.getProperty("java.io.tmpdir"), "flowline-models");
    }

    /** The built-in models only, default runtime. */
    public static ModelRegistryOptions builtInOnly() {
        return new ModelRegistryOptions(List.of(), true, ModelRuntimeOptions.DEFAULT, Map.of(), null);
    }

    /** The models under {@code dirs} plus the built-in ones, default runtime. */
    public static ModelRegistryOptions of(Path... dirs) {
        return new ModelRegistryOptions(List.of(dirs), true, ModelRuntimeOptions.DEFAULT, Map.of(), null);
    }

    public ModelRegistryOptions withRuntime(ModelRuntimeOptions r) {
        return new ModelRegistryOptions(modelDirs, builtIn, r, engineOverrides, cacheDir);
    }

    public ModelRegistryOptions withBuiltIn(boolean b) {
        return new ModelRegistryOptions(modelDirs, b, runtime, engineOverrides, cacheDir);
    }

    public ModelRegistryOptions withEngineOverrides(Map<String, EngineKind> overrides) {
        return new ModelRegistryOptions(modelDirs, builtIn, runtime, overrides, cacheDir);
    }

    public ModelRegistryOptions withCacheDir(Path dir) {
        return new ModelRegistryOptions(modelDirs, builtIn, runtime, engineOverrides, dir);
    }
}
