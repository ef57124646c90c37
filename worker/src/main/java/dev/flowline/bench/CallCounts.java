package dev.flowline.bench;

import dev.flowline.batching.BatchRecord;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Model calls counted from the scheduler's batch records (on its device thread, read from another), velocity and
 * decode calls apart: a latent model's decoder rows are not network evaluations, so they stay out of the rows per
 * second and rows per call of the batching figures, and are reported beside them.
 */
final class CallCounts {
    private final AtomicLong rows = new AtomicLong();
    private final AtomicLong calls = new AtomicLong();
    private final AtomicLong modelNanos = new AtomicLong();
    private final AtomicLong decodeRows = new AtomicLong();
    private final AtomicLong decodeCalls = new AtomicLong();
    private final AtomicLong decodeNanos = new AtomicLong();

    void add(BatchRecord b) {
        if (b.isDecode()) {
            decodeRows.addAndGet(b.rows());
            decodeNanos.addAndGet(b.modelNanos());
            decodeCalls.incrementAndGet();
        } else {
            rows.addAndGet(b.rows());
            modelNanos.addAndGet(b.modelNanos());
            calls.incrementAndGet();
        }
    }

    Snapshot snapshot() {
        return new Snapshot(rows.get(), calls.get(), modelNanos.get(), decodeRows.get(), decodeCalls.get(), decodeNanos.get());
    }

    /** Counts at one moment; {@link #minus} gives those of a window. */
    record Snapshot(long rows, long calls, long modelNanos, long decodeRows, long decodeCalls, long decodeNanos) {
        Snapshot minus(Snapshot earlier) {
            return new Snapshot(rows - earlier.rows, calls - earlier.calls, modelNanos - earlier.modelNanos,
                    decodeRows - earlier.decodeRows, decodeCalls - earlier.decodeCalls, decodeNanos - earlier.decodeNanos);
        }

        /** Rows per velocity call; 0 without calls. */
        double meanRows() {
            return calls == 0 ? 0 : rows / (double) calls;
        }

        /** Latents per decode call; 0 without decode calls. */
        double meanDecodeRows() {
            return decodeCalls == 0 ? 0 : decodeRows / (double) decodeCalls;
        }

        /** Share of the device's busy time (velocity and decode calls) that went to decoding; 0 without decode calls. */
        double decodeShare() {
            long busy = modelNanos + decodeNanos;
            return busy == 0 ? 0 : decodeNanos / (double) busy;
        }
    }
}
