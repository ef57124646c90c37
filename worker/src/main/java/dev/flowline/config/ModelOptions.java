package dev.flowline.config;

import java.nio.file.Path;
import java.util.List;

/**
 * Which models the worker serves.
 *
 * @param dirs    directories searched for model manifests ({@code flowline-model.json})
 * @param builtin also serve the built-in demo models
 */
public record ModelOptions(List<Path> dirs, boolean builtin) {
    public ModelOptions {
        dirs = List.copyOf(dirs);
    }

    public static ModelOptions defaults() {
        return new ModelOptions(List.of(), true);
    }
}
