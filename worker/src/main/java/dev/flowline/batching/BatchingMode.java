package dev.flowline.batching;

/** How network evaluations are grouped into model calls. */
public enum BatchingMode {
    /** Step-level: every tick, rows of any active sample join one call; jobs join and leave at any step (default). */
    CONTINUOUS,
    /** Request-level (Triton/DJL Serving style): up to maxBatch jobs of the same key and sampler shape run together to completion. */
    REQUEST,
    /** One job at a time. */
    NONE
}
