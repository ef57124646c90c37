package dev.flowline.kafka;

import dev.flowline.avro.DeadLetter;
import dev.flowline.batching.Job;
import dev.flowline.batching.JobOutcome;
import dev.flowline.config.KafkaOptions;
import dev.flowline.telemetry.WorkerMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import org.apache.kafka.clients.consumer.AcknowledgeType;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.MockShareConsumer;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static dev.flowline.kafka.WorkerTestKit.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The share intake without a broker: Kafka's {@link MockShareConsumer} (which records nothing itself, so a subclass
 * keeps the acknowledgements it is given) behind the real intake thread, {@link MockProducer} behind the publisher and
 * the component tests' scheduler fake. A record is ACCEPTed only once its job is done, nothing more is fetched while
 * records are held, a drain RELEASEs what is unfinished, and a record delivered too often is dead-lettered with its
 * bytes and REJECTed.
 */
class ShareIntakeComponentTest {
    private static final String TOPIC = "jobs";
    private static final Duration WAIT = Duration.ofSeconds(20);

    /**
     * Keeps acknowledgements by offset and gives a renewed record back at the next poll, as the real consumer does; an
     * empty poll waits a little, as a real one would, instead of spinning.
     */
    static final class RecordingShareConsumer extends MockShareConsumer<String, byte[]> {
        final Map<Long, AcknowledgeType> acks = new ConcurrentHashMap<>();
        volatile int pollsReturningRecords;

        @Override
        public synchronized void acknowledge(ConsumerRecord<String, byte[]> record, AcknowledgeType type) {
            if (type == AcknowledgeType.RENEW) addRecord(record); // as the real consumer: the next poll returns it
            else acks.put(record.offset(), type);
        }

        @Override
        public ConsumerRecords<String, byte[]> poll(Duration timeout) {
            ConsumerRecords<String, byte[]> records;
            synchronized (this) {
                records = super.poll(timeout);
            }
            if (records.isEmpty()) {
                try {
                    Thread.sleep(Math.min(5, timeout.toMillis()));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            } else {
                pollsReturningRecords++;
            }
            return records;
        }
    }

    private final Vertx vertx = Vertx.vertx();
    private final IntakeComponentTest.FakeScheduler scheduler = new IntakeComponentTest.FakeScheduler();
    private final MockProducer<String, byte[]> producer = new MockProducer<>(true, null, new StringSerializer(), new ByteArraySerializer());
    private final WorkerMetrics metrics = new WorkerMetrics(new SimpleMeterRegistry());
    private final RecordingShareConsumer consumer = new RecordingShareConsumer();
    private ShareIntakeVerticle intake;

    @AfterEach
    void close() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
    }

    private void start(int maxDeliveries) throws Exception {
        start(KafkaOptions.defaults("mock:9092").withMaxDeliveries(maxDeliveries));
    }

    private void start(KafkaOptions options) throws Exception {
        RequestDecoder decoder = IntakeComponentTest.gaussDecoder("w-share-component");
        OutputPublisher publisher = new OutputPublisher(vertx, producer);
        List<JobOutcome> completions = new CopyOnWriteArrayList<>();
        intake = new ShareIntakeVerticle(options, TOPIC, "dead-letter", () -> consumer, scheduler, decoder, publisher,
                CancelRegistry.defaults(), completions::add, metrics);
        vertx.deployVerticle(intake).toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
    }

    private void record(long offset, String jobId, int deliveryCount) {
        byte[] value = bytes(jobId);
        consumer.addRecord(new ConsumerRecord<>(TOPIC, 0, offset, 0L, TimestampType.CREATE_TIME, -1, value.length, jobId, value,
                new RecordHeaders(), Optional.empty(), Optional.of((short) deliveryCount)));
    }

    /**
     * Two records that one poll returns together. The mock's methods lock the consumer itself, so holding that lock
     * keeps the intake's poll from landing between them: a poll that took only the first would hold it until its lock
     * renewal (15 s), and the test's timing would not be the one it means to check.
     */
    private void twoRecords(String first, int firstDeliveries, String second) {
        synchronized (consumer) {
            record(0, first, firstDeliveries);
            record(1, second, 1);
        }
    }

    private static byte[] bytes(String jobId) {
        return WorkerTestKit.CODEC.encode(WorkerTestKit.request(jobId).build());
    }

    /** What the result publisher does once the job's result is acked by the broker. */
    private void finish(String jobId) {
        Job job = scheduler.running.stream().filter(j -> j.jobId().equals(jobId)).findFirst().orElseThrow();
        scheduler.running.remove(job);
        intake.markDone(JobTicket.of(job).record()); // any thread: it hops onto the intake's context
    }

    @Test
    void aRecordIsAcceptedOnlyWhenItsJobIsDoneAndNothingMoreIsFetchedWhileRecordsAreHeld() throws Exception {
        start(3);
        twoRecords("j0", 1, "j1");
        await(WAIT, "both jobs offered", () -> scheduler.offered.size() == 2);
        record(2, "j2", 1); // waits in the consumer: the intake holds j0 and j1

        finish("j0");
        await(WAIT, "j0 accepted", () -> consumer.acks.containsKey(0L));
        assertThat(consumer.acks).containsExactlyEntriesOf(Map.of(0L, AcknowledgeType.ACCEPT));
        Thread.sleep(200); // a fetch now would be a bug; give it the chance to happen
        assertThat(scheduler.offeredIds()).containsExactly("j0", "j1");
        assertThat(consumer.pollsReturningRecords).isEqualTo(1);

        finish("j1");
        await(WAIT, "j2 fetched once everything held is settled", () -> scheduler.offered.size() == 3);
        assertThat(consumer.acks).containsEntry(1L, AcknowledgeType.ACCEPT).doesNotContainKey(2L);
    }

    @Test
    void aRecordDeliveredMoreThanMaxDeliveriesIsDeadLetteredWithItsBytesThenRejected() throws Exception {
        start(3);
        twoRecords("crash-loop", 4, "fine");
        await(WAIT, "the rejection", () -> consumer.acks.containsKey(0L));

        assertThat(consumer.acks.get(0L)).isEqualTo(AcknowledgeType.REJECT);
        assertThat(scheduler.offeredIds()).containsExactly("fine");
        ProducerRecord<String, byte[]> dl = producer.history().stream().filter(r -> r.topic().equals("dead-letter")).findFirst().orElseThrow();
        DeadLetter d = WorkerTestKit.CODEC.decode(dl.value(), DeadLetter.class);
        assertThat(d.getErrorCode()).isEqualTo(IntakeVerticle.MAX_DELIVERIES);
        ByteBuffer original = d.getOriginalValue();
        byte[] b = new byte[original.remaining()];
        original.get(b);
        assertThat(b).isEqualTo(bytes("crash-loop"));
    }

    @Test
    void aFullIntakeAdmitsWhatWaitsOnceTheSchedulerHasRoomEvenWhenTheCapacitySignalIsMissed() throws Exception {
        scheduler.capacity = 1;
        start(KafkaOptions.defaults("mock:9092").withCommitInterval(Duration.ofMillis(50)));
        twoRecords("first", 1, "second"); // the second finds the scheduler full and waits in the intake
        await(WAIT, "the first job offered", () -> scheduler.offered.size() == 1);
        Thread.sleep(200); // the second job is decoded and refused meanwhile
        assertThat(scheduler.offeredIds()).containsExactly("first");

        // The job ends and its record is settled, but nobody calls capacityAvailable(): the signal is lost.
        Job first = scheduler.running.removeFirst();
        intake.markDone(JobTicket.of(first).record());
        await(WAIT, "the waiting job admitted by the periodic recheck", () -> scheduler.offered.size() == 2);
        assertThat(scheduler.offeredIds()).containsExactly("first", "second");
    }

    @Test
    void aDrainAcceptsWhatFinishedAndReleasesTheRest() throws Exception {
        start(3);
        twoRecords("done", 1, "unfinished");
        await(WAIT, "both jobs offered", () -> scheduler.offered.size() == 2);
        finish("done");
        await(WAIT, "done accepted", () -> consumer.acks.containsKey(0L));

        intake.stopAdmitting().compose(v -> intake.commitAndClose()).toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
        assertThat(consumer.acks).containsExactlyInAnyOrderEntriesOf(Map.of(0L, AcknowledgeType.ACCEPT, 1L, AcknowledgeType.RELEASE));
    }
}
