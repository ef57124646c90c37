package dev.flowline.model;

/** Integer type of a model's label input. ONNX graphs are strict about it; TorchScript embeddings take both. */
public enum LabelType {
    INT32("int32"),
    INT64("int64");

    private final String manifestName;

    LabelType(String manifestName) {
        this.manifestName = manifestName;
    }

    /** The spelling in {@code flowline-model.json}. */
    public String manifestName() {
        return manifestName;
    }

    /** Bytes per label in the input tensor. */
    int bytes() {
        return this == INT32 ? Integer.BYTES : Long.BYTES;
    }

    static LabelType fromManifest(String s) {
        for (LabelType l : values()) {
            if (l.manifestName.equals(s)) return l;
        }
        throw new IllegalArgumentException("must be \"int32\" or \"int64\", got \"" + s + "\"");
    }
}
