package dev.flowline.kafka;

import org.apache.kafka.common.TopicPartition;

/**
 * Where a job record came from, and in which assignment of its partition it was received (a completion counts only
 * for the same assignment; see {@link OffsetTracker}).
 *
 * @param timestampMillis the record's timestamp (the producer's send time by default); results measure totalMs from it
 */
public record RecordRef(TopicPartition partition, long generation, long offset, String key, long timestampMillis) {
    @Override
    public String toString() {
        return partition + "@" + offset;
    }
}
