package dev.flowline.demo;

import dev.flowline.testing.KafkaBrokerExtension;
import dev.flowline.testing.KafkaCluster;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code flowline-demo lag}: end offset minus the group's committed offset, per partition and in total. */
@ExtendWith(KafkaBrokerExtension.class)
class LagCommandTest {

    @Test
    void lagIsTheLogEndMinusTheCommittedOffsetPerPartition(KafkaCluster kafka) throws Exception {
        String topic = KafkaCluster.uniqueTopic("lag") + ".jobs";
        kafka.createTopics(2, topic);
        Map<String, Object> props = new HashMap<>(kafka.clientProperties());
        try (KafkaProducer<String, byte[]> p = new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < 5; i++) p.send(new ProducerRecord<>(topic, 0, "k", new byte[1])).get();
            for (int i = 0; i < 3; i++) p.send(new ProducerRecord<>(topic, 1, "k", new byte[1])).get();
        }
        String group = "g-" + topic;
        try (Admin admin = kafka.admin()) {
            admin.alterConsumerGroupOffsets(group, Map.of(new TopicPartition(topic, 0), new OffsetAndMetadata(2))).all().get();
        }
        List<LagCommand.PartitionLag> lags = LagCommand.lag(props, topic, group);
        assertThat(lags).containsExactly(new LagCommand.PartitionLag(0, 2, 5, 3), new LagCommand.PartitionLag(1, -1, 3, 3));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        LagCommand.print(new PrintStream(out), topic, group, lags);
        assertThat(out.toString()).contains("total lag 6");
    }
}
