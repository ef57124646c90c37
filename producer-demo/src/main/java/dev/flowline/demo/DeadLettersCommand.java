package dev.flowline.demo;

import dev.flowline.avro.DeadLetter;
import dev.flowline.schema.MessageCodec;
import dev.flowline.schema.MessageDecodeException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/**
 * The dead-letter topic, read from the start to its current end: what failed, why, and where it came from. With
 * {@code --replay} the original bytes of the listed dead letters are produced to the jobs topic again (after the cause
 * was fixed: a model deployed, a limit raised), keyed as before. Nothing is committed: the topic is read, not consumed.
 */
@Command(name = "dead-letters", mixinStandardHelpOptions = true,
        description = "Lists the dead letters (job id, error code, message, original topic/partition/offset) and, with --replay, sends their original bytes to the jobs topic again.")
final class DeadLettersCommand implements Callable<Integer> {
    @Mixin ClusterOptions cluster;

    @Option(names = "--error-code", paramLabel = "CODE", split = ",",
            description = "Only these error codes (e.g. UNKNOWN_MODEL,MAX_DELIVERIES); default: all.")
    Set<String> errorCodes;

    @Option(names = "--max", defaultValue = "1000", description = "At most this many dead letters, oldest first (default: ${DEFAULT-VALUE}).")
    int max;

    @Option(names = "--replay", description = "Send the listed dead letters' original bytes to the jobs topic again.")
    boolean replay;

    /** One record of the dead-letter topic; {@code letter} is null when it could not be read ({@code unreadable} says why). */
    record Entry(int partition, long offset, DeadLetter letter, String unreadable) {
        byte[] originalBytes() {
            return letter == null || letter.getOriginalValue() == null ? null : ResultFiles.bytes(letter.getOriginalValue());
        }
    }

    @Override
    public Integer call() throws Exception {
        if (!cluster.hasBootstrap()) {
            System.err.println("dead-letters needs --bootstrap HOST:PORT");
            return 2;
        }
        if (max < 1) {
            System.err.println("--max must be at least 1, got " + max);
            return 2;
        }
        cluster.requireReachable(cluster.bootstrap());
        Map<String, Object> props = cluster.clientProperties(cluster.bootstrap());
        List<Entry> entries = read(props, cluster.topics().deadLetterTopic(), errorCodes, max);
        print(System.out, cluster.topics().deadLetterTopic(), entries);
        if (replay) {
            int sent = replay(props, cluster.topics().jobsTopic(), entries);
            System.out.printf("replayed %d of %d to %s%s%n", sent, entries.size(), cluster.topics().jobsTopic(),
                    sent < entries.size() ? " (the others have no original bytes or could not be read)" : "");
        }
        return 0;
    }

    /** The topic's records from the start to the end it has now, oldest first per partition, filtered by error code. */
    static List<Entry> read(Map<String, Object> props, String topic, Set<String> errorCodes, int max) {
        Map<String, Object> p = new HashMap<>(props);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.remove(ConsumerConfig.GROUP_ID_CONFIG);
        MessageCodec codec = MessageCodec.standard();
        List<Entry> out = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer())) {
            List<PartitionInfo> infos = c.partitionsFor(topic, Duration.ofSeconds(30));
            if (infos == null || infos.isEmpty()) throw new IllegalArgumentException("dead-letter topic " + topic + " does not exist");
            List<TopicPartition> parts = infos.stream().map(i -> new TopicPartition(topic, i.partition())).toList();
            c.assign(parts);
            c.seekToBeginning(parts);
            Map<TopicPartition, Long> ends = c.endOffsets(parts, Duration.ofSeconds(30));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (out.size() < max && ends.entrySet().stream().anyMatch(e -> c.position(e.getKey()) < e.getValue())) {
                if (System.nanoTime() > deadline) throw new IllegalStateException("reading " + topic + " took over 60 s");
                for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(500))) {
                    if (r.offset() >= ends.get(new TopicPartition(r.topic(), r.partition()))) continue;
                    Entry e = decode(codec, r);
                    if (errorCodes != null && !errorCodes.isEmpty() && (e.letter() == null || !errorCodes.contains(e.letter().getErrorCode()))) continue;
                    if (out.size() < max) out.add(e);
                }
            }
        }
        return out;
    }

    private static Entry decode(MessageCodec codec, ConsumerRecord<String, byte[]> r) {
        try {
            return new Entry(r.partition(), r.offset(), codec.decode(r.value(), DeadLetter.class), null);
        } catch (MessageDecodeException e) {
            return new Entry(r.partition(), r.offset(), null, e.getMessage());
        }
    }

    /** Produces the entries' original bytes (with their original keys) to {@code jobsTopic}; returns how many were sent. */
    static int replay(Map<String, Object> props, String jobsTopic, List<Entry> entries) throws Exception {
        Map<String, Object> p = new HashMap<>(props);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        int sent = 0;
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer())) {
            List<java.util.concurrent.Future<?>> acks = new ArrayList<>();
            for (Entry e : entries) {
                byte[] bytes = e.originalBytes();
                if (bytes == null) continue;
                acks.add(producer.send(new ProducerRecord<>(jobsTopic, e.letter().getOriginalKey(), bytes)));
                sent++;
            }
            for (var a : acks) a.get(30, TimeUnit.SECONDS);
        }
        return sent;
    }

    static void print(PrintStream out, String topic, List<Entry> entries) {
        out.printf("%-12s %-24s %-20s %-28s %s%n", "DL-OFFSET", "JOB", "ERROR", "ORIGINAL", "MESSAGE");
        for (Entry e : entries) {
            String at = e.partition() + "/" + e.offset();
            if (e.letter() == null) {
                out.printf("%-12s %-24s %-20s %-28s %s%n", at, "-", "UNREADABLE", "-", e.unreadable());
                continue;
            }
            DeadLetter d = e.letter();
            String original = d.getOriginalTopic() + "/" + d.getOriginalPartition() + "/" + d.getOriginalOffset()
                    + (d.getOriginalValue() == null ? " (no bytes)" : "");
            out.printf("%-12s %-24s %-20s %-28s %s%n", at, d.getJobId() == null ? "-" : d.getJobId(), d.getErrorCode(), original,
                    d.getErrorMessage());
        }
        out.printf("%d dead letters on %s%n", entries.size(), topic);
    }
}
