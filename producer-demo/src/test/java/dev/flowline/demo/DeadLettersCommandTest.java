package dev.flowline.demo;

import dev.flowline.avro.DeadLetter;
import dev.flowline.schema.MessageCodec;
import dev.flowline.testing.KafkaBrokerExtension;
import dev.flowline.testing.KafkaCluster;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@code flowline-demo dead-letters}: the dead-letter topic listed from a real broker, filtered, and replayed to the jobs topic. */
@ExtendWith(KafkaBrokerExtension.class)
class DeadLettersCommandTest {
    private static final MessageCodec CODEC = MessageCodec.standard();

    private static DeadLetter letter(String jobId, String code, byte[] original, long offset) {
        return DeadLetter.newBuilder().setOriginalTopic("t.jobs").setOriginalPartition(0).setOriginalOffset(offset)
                .setOriginalKey(jobId).setOriginalValue(original == null ? null : ByteBuffer.wrap(original)).setJobId(jobId)
                .setErrorCode(code).setErrorClass("test").setErrorMessage(code + " of " + jobId).setWorkerId("w-test")
                .setTimestamp(Instant.ofEpochMilli(1_700_000_000_000L)).build();
    }

    @Test
    void itListsEveryDeadLetterFiltersByCodeAndReplaysTheOriginalBytes(KafkaCluster kafka) throws Exception {
        String prefix = KafkaCluster.uniqueTopic("dl") + ".";
        String dlTopic = prefix + "dead-letter", jobsTopic = prefix + "jobs";
        kafka.createTopics(2, dlTopic, jobsTopic);
        byte[] a = "job a's bytes".getBytes(StandardCharsets.UTF_8), c = "job c's bytes".getBytes(StandardCharsets.UTF_8);
        Map<String, Object> props = new HashMap<>(kafka.clientProperties());
        try (KafkaProducer<String, byte[]> p = new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer())) {
            p.send(new ProducerRecord<>(dlTopic, 0, "a", CODEC.encode(letter("a", "UNKNOWN_MODEL", a, 3)))).get();
            p.send(new ProducerRecord<>(dlTopic, 1, "b", CODEC.encode(letter("b", "RECORD_TOO_LARGE", null, 4)))).get();
            p.send(new ProducerRecord<>(dlTopic, 0, "junk", new byte[]{9, 9, 9})).get();
            p.send(new ProducerRecord<>(dlTopic, 1, "c", CODEC.encode(letter("c", "UNKNOWN_MODEL", c, 5)))).get();
        }

        List<DeadLettersCommand.Entry> all = DeadLettersCommand.read(props, dlTopic, null, 100);
        assertThat(all).hasSize(4);
        assertThat(all.stream().filter(e -> e.letter() != null).map(e -> e.letter().getJobId())).containsExactlyInAnyOrder("a", "b", "c");
        assertThat(all.stream().filter(e -> e.letter() == null)).singleElement()
                .satisfies(e -> assertThat(e.unreadable()).isNotBlank());
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        DeadLettersCommand.print(new PrintStream(printed), dlTopic, all);
        assertThat(printed.toString()).contains("UNKNOWN_MODEL", "RECORD_TOO_LARGE", "UNREADABLE", "t.jobs/0/4 (no bytes)", "4 dead letters");

        List<DeadLettersCommand.Entry> unknown = DeadLettersCommand.read(props, dlTopic, Set.of("UNKNOWN_MODEL"), 100);
        assertThat(unknown).extracting(e -> e.letter().getJobId()).containsExactlyInAnyOrder("a", "c");
        assertThat(DeadLettersCommand.read(props, dlTopic, null, 2)).hasSize(2);

        // Replaying every entry sends only those that kept their bytes, keyed as before.
        assertThat(DeadLettersCommand.replay(props, jobsTopic, all)).isEqualTo(2);
        Map<String, byte[]> replayed = new HashMap<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> parts = List.of(new TopicPartition(jobsTopic, 0), new TopicPartition(jobsTopic, 1));
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (replayed.size() < 2 && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) replayed.put(r.key(), r.value());
            }
        }
        assertThat(replayed).containsOnlyKeys("a", "c");
        assertThat(replayed.get("a")).isEqualTo(a);
        assertThat(replayed.get("c")).isEqualTo(c);
    }

    @Test
    void aMissingDeadLetterTopicIsNamed(KafkaCluster kafka) {
        String topic = KafkaCluster.uniqueTopic("absent") + ".dead-letter";
        assertThatThrownBy(() -> DeadLettersCommand.read(new HashMap<>(kafka.clientProperties()), topic, null, 10))
                .hasMessageContaining("dead-letter topic " + topic + " does not exist");
    }
}
