package dev.flowline.demo;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/** The worker group's lag on the jobs topic: what {@code kafka-consumer-groups.sh --describe} shows, without Kafka's tools. */
@Command(name = "lag", mixinStandardHelpOptions = true,
        description = "Prints the worker group's lag on the jobs topic per partition (log end offset minus committed offset) and in total.")
final class LagCommand implements Callable<Integer> {
    @Mixin ClusterOptions cluster;

    @Option(names = "--group", defaultValue = "flowline-workers", description = "The workers' kafka.groupId (default: ${DEFAULT-VALUE}).")
    String group;

    /** Lag of one partition; {@code committed} is -1 when the group never committed it (lag counts from the log start then). */
    record PartitionLag(int partition, long committed, long end, long lag) {}

    @Override
    public Integer call() throws Exception {
        if (!cluster.hasBootstrap()) {
            System.err.println("lag needs --bootstrap HOST:PORT");
            return 2;
        }
        cluster.requireReachable(cluster.bootstrap());
        List<PartitionLag> lags = lag(cluster.clientProperties(cluster.bootstrap()), cluster.topics().jobsTopic(), group);
        print(System.out, cluster.topics().jobsTopic(), group, lags);
        return 0;
    }

    static List<PartitionLag> lag(Map<String, Object> props, String topic, String group) throws Exception {
        try (Admin admin = Admin.create(props)) {
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                    .partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
            List<TopicPartition> parts = admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS)
                    .get(topic).partitions().stream().map(p -> new TopicPartition(topic, p.partition())).toList();
            Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends = admin.listOffsets(
                    parts.stream().collect(Collectors.toMap(tp -> tp, tp -> OffsetSpec.latest()))).all().get(30, TimeUnit.SECONDS);
            Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> starts = admin.listOffsets(
                    parts.stream().collect(Collectors.toMap(tp -> tp, tp -> OffsetSpec.earliest()))).all().get(30, TimeUnit.SECONDS);
            return parts.stream().sorted(Comparator.comparingInt(TopicPartition::partition)).map(tp -> {
                OffsetAndMetadata c = committed.get(tp);
                long end = ends.get(tp).offset();
                long from = c == null ? starts.get(tp).offset() : c.offset();
                return new PartitionLag(tp.partition(), c == null ? -1 : c.offset(), end, Math.max(0, end - from));
            }).toList();
        }
    }

    static void print(PrintStream out, String topic, String group, List<PartitionLag> lags) {
        out.printf("%-40s %9s %12s %12s %10s%n", "TOPIC (group " + group + ")", "PARTITION", "COMMITTED", "LOG-END", "LAG");
        for (PartitionLag l : lags) {
            out.printf("%-40s %9d %12s %12d %10d%n", topic, l.partition(), l.committed() < 0 ? "-" : String.valueOf(l.committed()), l.end(), l.lag());
        }
        out.printf("total lag %d%n", lags.stream().mapToLong(PartitionLag::lag).sum());
    }
}
