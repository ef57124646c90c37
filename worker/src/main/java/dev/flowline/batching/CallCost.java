package dev.flowline.batching;

/**
 * One point of a model's learned call cost (the scheduler's own calls, binned by rows), for metrics.
 *
 * @param rows       the bin: calls of more than half this many rows and at most this many
 * @param meanRows   moving average of the bin's rows per call
 * @param meanMillis moving average of the bin's time inside the model per call
 * @param calls      calls measured in the bin
 */
public record CallCost(int rows, double meanRows, double meanMillis, long calls) {
    public double rowsPerSecond() {
        return meanMillis <= 0 ? Double.POSITIVE_INFINITY : meanRows * 1e3 / meanMillis;
    }
}
