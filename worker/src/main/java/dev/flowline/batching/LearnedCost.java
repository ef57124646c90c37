package dev.flowline.batching;

/**
 * One compatibility group's learned call cost as a straight line, {@code time = perCall + perRow · rows}, and the
 * call size the scheduler aims at from it; for metrics and telemetry (the scheduler itself reads the binned curve).
 *
 * @param groupKey      the compatibility key (model, shape, ...)
 * @param kind          what the group's calls compute: {@code velocity} (network evaluations) or {@code decode}
 * @param perCallMicros fixed cost of a call, least squares over the measured bins (0 with fewer than two bins)
 * @param perRowMicros  marginal cost of a row (with one bin: its time per row, all cost counted per row)
 * @param targetRows    rows the next regular call takes (learned size in CONTINUOUS mode, else {@code maxBatchRows})
 * @param calls         calls measured
 */
public record LearnedCost(String groupKey, String kind, double perCallMicros, double perRowMicros, int targetRows, long calls) {
    public static final String VELOCITY = "velocity";
    public static final String DECODE = "decode";
}
