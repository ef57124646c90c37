package dev.flowline.kafka;

/**
 * What the Kafka edge counts: records dead-lettered or skipped, the intake's state, partitions taken away, share
 * acknowledgements and published results. Owned here so that this package needs nothing from telemetry; the worker's
 * Micrometer meters implement it ({@code dev.flowline.telemetry.WorkerMetrics}). Implementations are thread-safe:
 * the intake's and the publisher's contexts and the share consumer's thread call them.
 */
public interface EdgeMetrics {

    /** A record sent to the dead-letter topic, by its error code. */
    void deadLettered(String code);

    /** A record an earlier owner of its partition finished (commit metadata), skipped instead of run again. */
    void recordSkipped();

    /** Group intake: partitions assigned and paused, records received and not done (share: member, not fetching, held). */
    void intakeState(int assignedPartitions, int pausedPartitions, int outstandingRecords);

    /** Partitions taken from this worker by a rebalance ({@code revoked}) or a lost membership ({@code lost}). */
    void partitionsRemoved(String how, int count);

    /** Share intake: records acknowledged, by type (ACCEPT, REJECT, RELEASE, RENEW; FAILED: the broker refused them). */
    void shareAcknowledged(String type, int count);

    /** A job's result was acked by the broker: its status, model and time from the record's timestamp. */
    void jobCompleted(String status, String model, long totalMillis);

    /** A published result's samples that followed another job's identical sample. */
    void dedupedSamples(int samples);

    /** Encoded size of a published result record. */
    void resultPublished(int bytes);

}
