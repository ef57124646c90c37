package dev.flowline.demo;

import dev.flowline.avro.BatchStats;
import dev.flowline.avro.GenerationResult;
import dev.flowline.avro.JobStatus;
import dev.flowline.avro.Preview;
import dev.flowline.avro.ProgressEvent;
import dev.flowline.avro.Timings;
import dev.flowline.config.TopicOptions;
import dev.flowline.schema.MessageCodec;
import dev.flowline.testing.KafkaBrokerExtension;
import dev.flowline.testing.KafkaCluster;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code flowline-demo watch --previews DIR} against a real broker: the previews of a job land in DIR, in step order. */
@ExtendWith(KafkaBrokerExtension.class)
class WatchPreviewsTest {
    private static final MessageCodec CODEC = MessageCodec.standard();

    private static ProgressEvent progress(int step, byte[] png) {
        ProgressEvent.Builder b = ProgressEvent.newBuilder().setJobId("job-1").setWorkerId("w").setTimestamp(Instant.EPOCH)
                .setStep(step).setTotalSteps(30).setSamplesDone(0).setNumSamples(1);
        if (png != null) b.setPreview(Preview.newBuilder().setSampleIndex(0).setT(step / 30.0).setPng(ByteBuffer.wrap(png)).build());
        return b.build();
    }

    @Test
    void previewsOfTheWatchedJobsAreWrittenToTheDirectory(KafkaCluster kafka, @TempDir Path dir) throws Exception {
        String prefix = KafkaCluster.uniqueTopic("watch") + ".";
        TopicOptions topics = TopicOptions.withPrefix(prefix);
        kafka.createTopics(1, topics.allTopics().toArray(String[]::new));
        byte[] png10 = {(byte) 0x89, 'P', 'N', 'G', 1};
        byte[] png20 = {(byte) 0x89, 'P', 'N', 'G', 2};
        GenerationResult result = GenerationResult.newBuilder().setJobId("job-1").setStatus(JobStatus.SUCCEEDED)
                .setTimings(Timings.newBuilder().setQueuedMs(0).setSamplingMs(0).setTotalMs(0).build())
                .setBatchStats(BatchStats.newBuilder().setModelCalls(1).setMeanBatchRows(1).setMaxBatchRows(1).build()).build();
        try (KafkaProducer<String, byte[]> p = new KafkaProducer<>(kafka.clientProperties(), new StringSerializer(), new ByteArraySerializer())) {
            for (ProgressEvent e : List.of(progress(5, null), progress(10, png10), progress(20, png20))) {
                p.send(new ProducerRecord<>(topics.progressTopic(), "job-1", CODEC.encode(e))).get();
            }
            p.send(new ProducerRecord<>(topics.resultsTopic(), "job-1", CODEC.encode(result))).get();
        }

        CommandLine cl = DemoMain.commandLine();
        cl.setOut(new PrintWriter(new StringWriter()));
        StringWriter err = new StringWriter();
        cl.setErr(new PrintWriter(err));
        int code = cl.execute("watch", "--bootstrap", kafka.bootstrapServers(), "--topic-prefix", prefix, "--from-beginning",
                "--max-jobs", "1", "--out", dir.resolve("out").toString(), "--previews", dir.resolve("previews").toString());

        assertThat(code).as(err.toString()).isZero();
        try (var files = Files.list(dir.resolve("previews"))) {
            assertThat(files.map(f -> f.getFileName().toString()).sorted().toList())
                    .containsExactly("job-1-preview-s00010-i0.png", "job-1-preview-s00020-i0.png");
        }
        assertThat(Files.readAllBytes(dir.resolve("previews").resolve("job-1-preview-s00020-i0.png"))).isEqualTo(png20);
    }
}
