package dev.flowline.output;

/** One encoded sample of a job, to be stored: its index in the job, its bytes and its content type. */
public record OutputObject(int index, byte[] data, String contentType) {
    public OutputObject {
        if (index < 0) throw new IllegalArgumentException("index must be >= 0");
    }
}
