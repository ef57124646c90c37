package dev.flowline.config;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * How the worker talks to Kafka.
 *
 * @param bootstrapServers          broker list
 * @param groupId                   consumer group of the jobs topic
 * @param groupProtocol             {@code consumer} (KIP-848, default) or {@code classic}
 * @param commitInterval            how often done offsets are committed
 * @param pollTimeout               the consumer's poll timeout; commits wait for the poll in progress, so keep it short
 * @param maxOutstandingPerPartition received-but-unfinished records above which a partition is paused
 * @param revokeGrace               how long in-flight jobs of a revoked partition may finish before they are abandoned
 * @param properties                any Kafka client property, applied to every client (SASL, SSL, timeouts...)
 * @param maxDeliveries             a job record whose delivery was started this many times without finishing (each
 *                                  time its worker died) is dead-lettered {@code MAX_DELIVERIES} instead of run again;
 *                                  0 turns the count (and the commit before each job starts) off; with share intake a
 *                                  record whose broker delivery count exceeds it is dead-lettered {@code MAX_DELIVERIES}
 * @param intake                    {@code group} (a consumer group: partitions are the unit of parallelism) or {@code share}
 *                                  (a KIP-932 share group: records are the unit, any number of workers per partition)
 */
public record KafkaOptions(String bootstrapServers, String groupId, String groupProtocol, Duration commitInterval,
                           Duration pollTimeout, int maxOutstandingPerPartition, Duration revokeGrace,
                           Map<String, String> properties, int maxDeliveries, String intake) {

    public static final String DEFAULT_BOOTSTRAP_SERVERS = "localhost:9092";
    public static final String DEFAULT_GROUP_ID = "flowline-workers";
    public static final String DEFAULT_GROUP_PROTOCOL = "consumer";
    public static final long DEFAULT_COMMIT_INTERVAL_MS = 1000;
    public static final long DEFAULT_POLL_TIMEOUT_MS = 100;
    public static final int DEFAULT_MAX_OUTSTANDING_PER_PARTITION = 1000;
    public static final long DEFAULT_REVOKE_GRACE_MS = 2000;
    /** As Kafka's share groups ({@code group.share.delivery.count.limit}). */
    public static final int DEFAULT_MAX_DELIVERIES = 5;
    public static final String DEFAULT_INTAKE = "group";

    public KafkaOptions {
        Objects.requireNonNull(bootstrapServers, "kafka.bootstrapServers");
        Objects.requireNonNull(groupId, "kafka.groupId");
        if (!groupProtocol.equals("consumer") && !groupProtocol.equals("classic")) {
            throw new ConfigException("kafka.groupProtocol", groupProtocol, "must be consumer or classic");
        }
        if (maxOutstandingPerPartition < 1) {
            throw new ConfigException("kafka.maxOutstandingPerPartition", maxOutstandingPerPartition, "must be >= 1");
        }
        if (maxDeliveries < 0) throw new ConfigException("kafka.maxDeliveries", maxDeliveries, "must be >= 0 (0 = off)");
        if (!"group".equals(intake) && !"share".equals(intake)) throw new ConfigException("kafka.intake", intake, "must be group or share");
        properties = Map.copyOf(properties);
    }

    public KafkaOptions(String bootstrapServers, String groupId, String groupProtocol, Duration commitInterval,
                        Duration pollTimeout, int maxOutstandingPerPartition, Duration revokeGrace, Map<String, String> properties,
                        int maxDeliveries) {
        this(bootstrapServers, groupId, groupProtocol, commitInterval, pollTimeout, maxOutstandingPerPartition, revokeGrace,
                properties, maxDeliveries, DEFAULT_INTAKE);
    }

    /** Whether jobs are read through a share group ({@code kafka.intake=share}). */
    public boolean shareIntake() {
        return "share".equals(intake);
    }

    public KafkaOptions(String bootstrapServers, String groupId, String groupProtocol, Duration commitInterval,
                        Duration pollTimeout, int maxOutstandingPerPartition, Duration revokeGrace, Map<String, String> properties) {
        this(bootstrapServers, groupId, groupProtocol, commitInterval, pollTimeout, maxOutstandingPerPartition, revokeGrace,
                properties, DEFAULT_MAX_DELIVERIES);
    }

    public static KafkaOptions defaults(String bootstrapServers) {
        return new KafkaOptions(bootstrapServers, DEFAULT_GROUP_ID, DEFAULT_GROUP_PROTOCOL,
                Duration.ofMillis(DEFAULT_COMMIT_INTERVAL_MS), Duration.ofMillis(DEFAULT_POLL_TIMEOUT_MS),
                DEFAULT_MAX_OUTSTANDING_PER_PARTITION, Duration.ofMillis(DEFAULT_REVOKE_GRACE_MS), Map.of(), DEFAULT_MAX_DELIVERIES, DEFAULT_INTAKE);
    }

    public KafkaOptions withBootstrapServers(String v) { return new KafkaOptions(v, groupId, groupProtocol, commitInterval, pollTimeout, maxOutstandingPerPartition, revokeGrace, properties, maxDeliveries, intake); }
    public KafkaOptions withCommitInterval(Duration v) { return new KafkaOptions(bootstrapServers, groupId, groupProtocol, v, pollTimeout, maxOutstandingPerPartition, revokeGrace, properties, maxDeliveries, intake); }
    public KafkaOptions withGroupId(String v) { return new KafkaOptions(bootstrapServers, v, groupProtocol, commitInterval, pollTimeout, maxOutstandingPerPartition, revokeGrace, properties, maxDeliveries, intake); }
    public KafkaOptions withGroupProtocol(String v) { return new KafkaOptions(bootstrapServers, groupId, v, commitInterval, pollTimeout, maxOutstandingPerPartition, revokeGrace, properties, maxDeliveries, intake); }
    public KafkaOptions withMaxOutstandingPerPartition(int v) { return new KafkaOptions(bootstrapServers, groupId, groupProtocol, commitInterval, pollTimeout, v, revokeGrace, properties, maxDeliveries, intake); }
    public KafkaOptions withRevokeGrace(Duration v) { return new KafkaOptions(bootstrapServers, groupId, groupProtocol, commitInterval, pollTimeout, maxOutstandingPerPartition, v, properties, maxDeliveries, intake); }
    public KafkaOptions withMaxDeliveries(int v) { return new KafkaOptions(bootstrapServers, groupId, groupProtocol, commitInterval, pollTimeout, maxOutstandingPerPartition, revokeGrace, properties, v, intake); }
    public KafkaOptions withIntake(String v) { return new KafkaOptions(bootstrapServers, groupId, groupProtocol, commitInterval, pollTimeout, maxOutstandingPerPartition, revokeGrace, properties, maxDeliveries, v); }
    public KafkaOptions withProperties(Map<String, String> v) { return new KafkaOptions(bootstrapServers, groupId, groupProtocol, commitInterval, pollTimeout, maxOutstandingPerPartition, revokeGrace, v, maxDeliveries, intake); }

    @Override
    public String toString() {
        return "KafkaOptions[bootstrapServers=" + bootstrapServers + ", groupId=" + groupId + ", groupProtocol=" + groupProtocol
                + ", commitInterval=" + commitInterval + ", pollTimeout=" + pollTimeout + ", maxOutstandingPerPartition="
                 + maxOutstandingPerPartition + ", revokeGrace=" + revokeGrace + ", maxDeliveries=" + maxDeliveries + ", intake=" + intake + ", properties=" + Secrets.masked(properties) + "]";
    }
}
