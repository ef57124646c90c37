package dev.flowline.model;

/** A model failed at call time (engine error, output of the wrong shape, invalid label); the message names the model. */
public class ModelException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final String modelName;
    private final String detail;

    public ModelException(String modelName, String message, Throwable cause) {
        super("model '" + modelName + "': " + message, cause);
        this.modelName = modelName;
        this.detail = message;
    }

    public ModelException(String modelName, String message) {
        this(modelName, message, null);
    }

    /** The registry name of the model concerned. */
    public String modelName() {
        return modelName;
    }

    /** The message without the model prefix, for wrapping into another error about the same model. */
    public String detail() {
        return detail;
    }
}
