package dev.flowline.model;

import java.nio.file.Path;

/**
 * A model could not be found, parsed, loaded or probed: unknown name, invalid manifest, missing file, engine that
 * fails to start, output shape that does not match the manifest. The message names the model and the file.
 */
public class ModelLoadException extends ModelException {
    private static final long serialVersionUID = 1L;
    private final transient Path file;

    public ModelLoadException(String modelName, Path file, String message, Throwable cause) {
        super(modelName, message + (file == null ? "" : " (file " + file + ")"), cause);
        this.file = file;
    }

    public ModelLoadException(String modelName, Path file, String message) {
        this(modelName, file, message, null);
    }

    /** The manifest or weights file concerned, or null when the problem is not about a file (e.g. an unknown name). */
    public Path file() {
        return file;
    }
}
