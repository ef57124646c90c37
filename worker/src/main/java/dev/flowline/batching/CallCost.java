package dev.flowline.batching;

/**
 * One point of a model's learned call cost (the scheduler's own calls, binned by rows), for metrics.
 *
 * @param rows          the bin: calls of more than half this many rows and at most this many
 * @param rowsPerCall   the bin's typical rows per call (median of its last 15 calls)
 * @param millisPerCall the bin's typical time inside the model per call (median of the same calls)
 * @param calls         calls measured in the bin
 */
public record CallCost(int rows, double rowsPerCall, double millisPerCall, long calls) {
    public double rowsPerSecond() {
        return millisPerCall <= 0 ? Double.POSITIVE_INFINITY : rowsPerCall * 1e3 / millisPerCall;
    }
}
