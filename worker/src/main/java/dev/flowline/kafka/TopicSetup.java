package dev.flowline.kafka;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.TopicExistsException;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;

/**
 * Creates topics for development and demos, and waits until every partition has a leader.
 *
 * <p>Why wait: producing right after createTopics() sometimes wedged the idempotent producer
 * (NOT_LEADER_OR_FOLLOWER, then OUT_OF_ORDER_SEQUENCE_NUMBER until the delivery timeout). In production,
 * operators create topics; this helper is for the embedded broker and tests.
 */
public final class TopicSetup {
    private TopicSetup() {}

    /** Creates the topics that do not exist yet and waits until every partition has a leader and its logs exist. */
    public static void ensureTopics(Admin admin, Collection<NewTopic> topics, Duration timeout)
            throws InterruptedException, TimeoutException {
        long deadline = System.nanoTime() + timeout.toNanos();
        Set<String> existing = get(admin.listTopics().names(), deadline);
        var missing = topics.stream().filter(t -> !existing.contains(t.name())).toList();
        if (!missing.isEmpty()) {
            try {
                admin.createTopics(missing).all().get(remaining(deadline), TimeUnit.NANOSECONDS);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) throw new IllegalStateException("creating topics failed", e.getCause());
            }
        }
        Set<String> names = topics.stream().map(NewTopic::name).collect(Collectors.toSet());
        awaitLeaders(admin, names, deadline);
    }

    /**
     * Prepares a share group for the worker ({@code kafka.intake=share}): {@code share.auto.offset.reset=earliest}, so
     * that jobs produced before the first worker joined are read (the share-group default is latest), and, when
     * {@code maxDeliveries} is between 1 and 9, {@code share.delivery.count.limit=maxDeliveries+1}: the broker then
     * still delivers a record once more after {@code maxDeliveries} failed deliveries, and the worker dead-letters it
     * {@code MAX_DELIVERIES} with its bytes instead of the broker archiving it silently (the broker's limit is 2..10).
     */
    public static void configureShareGroup(Admin admin, String groupId, int maxDeliveries, Duration timeout)
            throws InterruptedException, TimeoutException {
        List<AlterConfigOp> ops = new java.util.ArrayList<>();
        ops.add(new AlterConfigOp(new ConfigEntry("share.auto.offset.reset", "earliest"), AlterConfigOp.OpType.SET));
        if (maxDeliveries >= 1 && maxDeliveries <= 9) {
            ops.add(new AlterConfigOp(new ConfigEntry("share.delivery.count.limit", String.valueOf(Math.max(2, maxDeliveries + 1))),
                    AlterConfigOp.OpType.SET));
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        get(admin.incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.GROUP, groupId), ops)).all(), deadline);
    }

    private static void awaitLeaders(Admin admin, Set<String> names, long deadline) throws InterruptedException, TimeoutException {
        while (true) {
            try {
                Map<String, TopicDescription> d = admin.describeTopics(names).allTopicNames()
                        .get(remaining(deadline), TimeUnit.NANOSECONDS);
                boolean ready = d.size() == names.size() && d.values().stream()
                        .flatMap(t -> t.partitions().stream())
                        .map(TopicPartitionInfo::leader)
                        .allMatch(l -> l != null && !l.isEmpty());
                if (ready && logsExist(admin, d, deadline)) return;
            } catch (ExecutionException e) {
                // UnknownTopicOrPartition right after creation: metadata not propagated yet.
            }
            if (System.nanoTime() > deadline) throw new TimeoutException("topics " + names + " have no leader yet");
            Thread.sleep(50);
        }
    }

    /**
     * Whether every replica of every partition has its log on its broker (describeLogDirs lists it). A leader in the
     * metadata alone was not enough: an idempotent producer that wrote before the log existed got
     * NOT_LEADER_OR_FOLLOWER, then OUT_OF_ORDER_SEQUENCE_NUMBER until its delivery timeout.
     */
    private static boolean logsExist(Admin admin, Map<String, TopicDescription> topics, long deadline)
            throws InterruptedException, TimeoutException, ExecutionException {
        Map<Integer, Set<TopicPartition>> expected = new java.util.HashMap<>();
        for (TopicDescription t : topics.values()) {
            for (TopicPartitionInfo p : t.partitions()) {
                for (var replica : p.replicas()) {
                    expected.computeIfAbsent(replica.id(), k -> new java.util.HashSet<>()).add(new TopicPartition(t.name(), p.partition()));
                }
            }
        }
        var dirs = admin.describeLogDirs(expected.keySet()).allDescriptions().get(remaining(deadline), TimeUnit.NANOSECONDS);
        for (var e : expected.entrySet()) {
            Set<TopicPartition> present = new java.util.HashSet<>();
            var byDir = dirs.get(e.getKey());
            if (byDir == null) return false;
            byDir.values().forEach(d -> present.addAll(d.replicaInfos().keySet()));
            if (!present.containsAll(e.getValue())) return false;
        }
        return true;
    }

    private static <T> T get(org.apache.kafka.common.KafkaFuture<T> f, long deadline) throws InterruptedException, TimeoutException {
        try {
            return f.get(remaining(deadline), TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            throw new IllegalStateException("Kafka admin call failed: " + e.getCause(), e.getCause());
        }
    }

    private static long remaining(long deadline) {
        return Math.max(1, deadline - System.nanoTime());
    }
}
