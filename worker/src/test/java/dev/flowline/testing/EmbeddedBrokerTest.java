package dev.flowline.testing;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The broker the whole suite relies on: records produced with acks=all come back in order per partition. */
@ExtendWith(KafkaBrokerExtension.class)
class EmbeddedBrokerTest {

    @Test
    void producedRecordsAreConsumedBackInOrder(KafkaCluster kafka) {
        String topic = KafkaCluster.uniqueTopic("roundtrip");
        kafka.createTopics(1, topic);
        if (kafka.kind().equals("embedded")) {
            assertThat(kafka.bootstrapServers()).startsWith("127.0.0.1:");
        }

        Map<String, Object> p = new HashMap<>(kafka.clientProperties());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        try (var producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
            for (int i = 0; i < 50; i++) producer.send(new ProducerRecord<>(topic, "k", "v" + i));
            producer.flush();
        }

        Map<String, Object> c = new HashMap<>(kafka.clientProperties());
        c.put(ConsumerConfig.GROUP_ID_CONFIG, "g-" + topic);
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        List<String> values = new ArrayList<>();
        try (var consumer = new KafkaConsumer<>(c, new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of(topic));
            long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (values.size() < 50 && System.nanoTime() < until) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) values.add(r.value());
            }
        }
        assertThat(values).hasSize(50);
        assertThat(values.get(0)).isEqualTo("v0");
        assertThat(values.get(49)).isEqualTo("v49");
    }
}
