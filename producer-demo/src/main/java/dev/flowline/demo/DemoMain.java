package dev.flowline.demo;

import dev.flowline.avro.GenerationRequest;
import dev.flowline.avro.SamplerSpec;
import dev.flowline.kafka.TopicSetup;
import dev.flowline.kafka.broker.EmbeddedKafkaBroker;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** Entry point of flowline-demo.jar. */
@Command(name = "flowline-demo", mixinStandardHelpOptions = true, version = "flowline-demo 0.1.0",
        description = "Submits generation jobs to Flowline workers and collects their results.",
        subcommands = {DemoMain.Embedded.class})
public final class DemoMain implements Callable<Integer> {
    static {
        // Avro 1.12 instantiates only trusted generated classes (replaced by the codec's own trust set-up).
        System.setProperty("org.apache.avro.SERIALIZABLE_PACKAGES", "dev.flowline.avro");
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new DemoMain()).execute(args));
    }

    @Override
    public Integer call() {
        new CommandLine(this).usage(System.out);
        return 0;
    }

    @Command(name = "embedded", mixinStandardHelpOptions = true,
            description = "Starts an embedded Kafka broker on 127.0.0.1 and sends one job through it.")
    static final class Embedded implements Callable<Integer> {
        @Override
        public Integer call() throws Exception {
            try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start()) {
                String topic = "flowline.jobs";
                try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
                    TopicSetup.ensureTopics(admin, List.of(new NewTopic(topic, 4, (short) 1)), Duration.ofSeconds(30));
                }
                GenerationRequest job = GenerationRequest.newBuilder()
                        .setJobId("demo-1").setModel("fashion-mnist")
                        .setSampler(SamplerSpec.newBuilder().setSteps(8).build()).build();
                ByteBuffer bytes = job.toByteBuffer();
                try (var producer = new KafkaProducer<>(Map.<String, Object>of(
                        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(), ProducerConfig.ACKS_CONFIG, "all"),
                        new StringSerializer(), new ByteArraySerializer())) {
                    producer.send(new ProducerRecord<>(topic, job.getJobId(), bytes.array())).get();
                }
                try (var consumer = new KafkaConsumer<>(Map.<String, Object>of(
                        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                        ConsumerConfig.GROUP_ID_CONFIG, "demo", ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"),
                        new StringDeserializer(), new ByteArrayDeserializer())) {
                    consumer.subscribe(List.of(topic));
                    long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                    while (System.nanoTime() < until) {
                        for (var r : consumer.poll(Duration.ofMillis(200))) {
                            GenerationRequest back = GenerationRequest.fromByteBuffer(ByteBuffer.wrap(r.value()));
                            System.out.println("Job " + back.getJobId() + " for model " + back.getModel()
                                    + " went through Kafka at " + broker.bootstrapServers() + " (" + r.value().length + " bytes of Avro)");
                            return 0;
                        }
                    }
                }
                System.err.println("the job did not come back within 30 s");
                return 1;
            }
        }
    }
}
