package dev.flowline.kafka;

import dev.flowline.avro.ControlAction;
import dev.flowline.avro.ControlCommand;
import io.vertx.core.Vertx;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static dev.flowline.kafka.WorkerTestKit.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The control reader without a broker: Kafka's {@link MockConsumer} behind the real Vert.x wrapper. It reads every
 * partition from the end (commands given before the worker started are not replayed), cancels what it is told to
 * here and remembers the rest, and skips a record it cannot read without losing the commands after it.
 */
class ControlComponentTest {
    private static final String TOPIC = "control";
    private static final TopicPartition P0 = new TopicPartition(TOPIC, 0);
    private static final TopicPartition P1 = new TopicPartition(TOPIC, 1);
    private static final Duration WAIT = Duration.ofSeconds(20);

    /** The scheduler fake, recording the cancels it is asked for; "running-*" jobs run here. */
    static final class CancelRecordingScheduler extends IntakeComponentTest.FakeScheduler {
        final List<String> cancels = new CopyOnWriteArrayList<>();

        @Override
        public boolean cancel(String jobId) {
            cancels.add(jobId);
            return jobId.startsWith("running-");
        }
    }

    private final Vertx vertx = Vertx.vertx();
    private final MockConsumer<String, byte[]> consumer = new MockConsumer<>("latest");
    private final CancelRecordingScheduler scheduler = new CancelRecordingScheduler();
    private final CancelRegistry registry = CancelRegistry.defaults();

    @AfterEach
    void close() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
    }

    private ControlVerticle control() {
        return new ControlVerticle(TOPIC, Map.of(), () -> consumer, WorkerTestKit.CODEC, scheduler, registry);
    }

    private void partitions(int count) {
        Node node = new Node(0, "localhost", 9092);
        List<PartitionInfo> infos = new java.util.ArrayList<>();
        for (int p = 0; p < count; p++) infos.add(new PartitionInfo(TOPIC, p, node, new Node[]{node}, new Node[]{node}));
        consumer.updatePartitions(TOPIC, infos);
    }

    private static byte[] cancel(String jobId) {
        return WorkerTestKit.CODEC.encode(ControlCommand.newBuilder().setJobId(jobId).setAction(ControlAction.CANCEL).setReason("test").build());
    }

    private void record(TopicPartition tp, long offset, String key, byte[] value) {
        consumer.schedulePollTask(() -> consumer.addRecord(new ConsumerRecord<>(tp.topic(), tp.partition(), offset, key, value)));
    }

    @Test
    void itReadsEveryPartitionFromTheEndCancelsHereAndRemembersTheRest() throws Exception {
        partitions(2);
        consumer.updateEndOffsets(Map.of(P0, 5L, P1, 3L)); // commands given before this worker started
        vertx.deployVerticle(control()).toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);

        assertThat(consumer.assignment()).containsExactlyInAnyOrder(P0, P1);
        assertThat(consumer.position(P0)).isEqualTo(5L);
        assertThat(consumer.position(P1)).isEqualTo(3L);

        record(P0, 2, "old", cancel("old")); // below the end: not replayed
        record(P0, 5, "running-a", cancel("running-a"));
        record(P1, 3, "later-b", cancel("later-b"));
        await(WAIT, "two cancels", () -> scheduler.cancels.size() >= 2);

        assertThat(scheduler.cancels).containsExactlyInAnyOrder("running-a", "later-b");
        // Remembered either way: a job whose record arrives after its cancel still ends CANCELLED.
        assertThat(registry.isCancelled("running-a")).isTrue();
        assertThat(registry.isCancelled("later-b")).isTrue();
        assertThat(registry.isCancelled("old")).isFalse();
    }

    @Test
    void anUnreadableRecordIsSkippedAndTheCommandsAfterItStillWork() throws Exception {
        partitions(1);
        consumer.updateEndOffsets(Map.of(P0, 0L));
        vertx.deployVerticle(control()).toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);

        record(P0, 0, "junk", new byte[]{1, 2, 3, 4, 5});
        record(P0, 1, "running-c", cancel("running-c"));
        await(WAIT, "the cancel after the junk", () -> scheduler.cancels.contains("running-c"));
        assertThat(scheduler.cancels).containsExactly("running-c");
        assertThat(registry.isCancelled("junk")).isFalse();
    }

    @Test
    void aMissingControlTopicFailsTheStartNamingIt() {
        consumer.updatePartitions(TOPIC, List.of());
        assertThatThrownBy(() -> vertx.deployVerticle(control()).toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS))
                .hasMessageContaining("control topic " + TOPIC + " does not exist");
    }
}
