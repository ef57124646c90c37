package dev.flowline.kafka;

import dev.flowline.avro.DeadLetter;
import dev.flowline.batching.Admission;
import dev.flowline.batching.Job;
import dev.flowline.batching.JobOutcome;
import dev.flowline.batching.Scheduler;
import dev.flowline.config.KafkaOptions;
import dev.flowline.config.LimitOptions;
import dev.flowline.kafka.offsets.PartitionProgress;
import dev.flowline.kafka.offsets.ProgressCodec;
import dev.flowline.model.AnalyticGaussianModel;
import dev.flowline.model.ModelInfo;
import dev.flowline.telemetry.WorkerMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static dev.flowline.kafka.WorkerTestKit.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The intake without a broker: Kafka's {@link MockConsumer} behind the real Vert.x wrapper and rebalance hook,
 * {@link MockProducer} behind the publisher, a scheduler fake. Covers back-pressure and pause re-application after a
 * rebalance, commits inside the revoke callback, generation fencing, and what an earlier owner's commit metadata does
 * (skips, suspects run alone, MAX_DELIVERIES dead letters).
 */
class IntakeComponentTest {
    private static final String TOPIC = "jobs";
    private static final TopicPartition P0 = new TopicPartition(TOPIC, 0);
    private static final TopicPartition P1 = new TopicPartition(TOPIC, 1);
    private static final Duration WAIT = Duration.ofSeconds(20);

    /** The mock consumer with the worker's rebalance hook around its listener, as {@link RevokeAwareConsumer} has. */
    static final class HookedMockConsumer extends MockConsumer<String, byte[]> {
        private final RevokeAwareConsumer.RevokeHook hook;

        HookedMockConsumer(RevokeAwareConsumer.RevokeHook hook) {
            super("earliest");
            this.hook = hook;
            updateBeginningOffsets(Map.of(P0, 0L, P1, 0L));
        }

        /** Every commit, last one per partition (MockConsumer's own committed() loses metadata once unassigned). */
        final Map<TopicPartition, OffsetAndMetadata> commits = new java.util.concurrent.ConcurrentHashMap<>();

        @Override
        public synchronized void commitAsync(Map<TopicPartition, OffsetAndMetadata> offsets, org.apache.kafka.clients.consumer.OffsetCommitCallback cb) {
            commits.putAll(offsets);
            super.commitAsync(offsets, cb);
        }

        @Override
        public void subscribe(Collection<String> topics, ConsumerRebalanceListener listener) {
            super.subscribe(topics, new RevokeAwareConsumer.HookedListener(this, hook, listener));
        }
    }

    /** Accepts up to {@code capacity} running jobs; the test finishes them. */
    static class FakeScheduler implements Scheduler {
        volatile int capacity = 100;
        final List<Job> offered = new CopyOnWriteArrayList<>();
        final List<Job> running = new CopyOnWriteArrayList<>();
        final List<Job> abandoned = new CopyOnWriteArrayList<>();

        /** When set, every offer gets this answer (the job is not taken). */
        volatile Admission refusal;

        @Override
        public synchronized Admission offer(Job job) {
            if (refusal != null) return refusal;
            if (running.size() >= capacity) return Admission.REJECTED_FULL;
            offered.add(job);
            running.add(job);
            return Admission.ACCEPTED;
        }

        @Override
        public boolean cancel(String jobId) {
            return false;
        }

        @Override
        public synchronized List<Job> abandon(Predicate<Job> which) {
            List<Job> out = new ArrayList<>(running.stream().filter(which).toList());
            running.removeAll(out);
            abandoned.addAll(out);
            return out;
        }

        @Override
        public int jobsInFlight() {
            return running.size();
        }

        @Override
        public boolean hasRoom() {
            return running.size() < capacity;
        }

        @Override
        public CompletableFuture<List<Job>> drain(Duration timeout) {
            return CompletableFuture.completedFuture(List.of());
        }

        @Override
        public void close() {}

        List<String> offeredIds() {
            return offered.stream().map(Job::jobId).toList();
        }
    }

    private final Vertx vertx = Vertx.vertx();
    private final FakeScheduler scheduler = new FakeScheduler();
    private final MockProducer<String, byte[]> producer = new MockProducer<>(true, null, new StringSerializer(), new ByteArraySerializer());
    private final WorkerMetrics metrics = new WorkerMetrics(new SimpleMeterRegistry());
    private HookedMockConsumer consumer;
    private IntakeVerticle intake;

    private static final ModelInfo GAUSS = AnalyticGaussianModel.builder().optName(WorkerTestKit.MODEL).optSampleShape(1, 4, 4)
            .optNumClasses(3).build().info();

    /** The decoder the intakes use, over a catalogue holding only the closed-form model. */
    static RequestDecoder gaussDecoder(String workerId) {
        JobFactory jobs = new JobFactory(new JobFactory.ModelCatalog() {
            @Override
            public Optional<ModelInfo> info(String name) {
                return name.equals(GAUSS.name()) ? Optional.of(GAUSS) : Optional.empty();
            }

            @Override
            public Collection<String> names() {
                return List.of(GAUSS.name());
            }
        }, LimitOptions.defaults());
        return new RequestDecoder(WorkerTestKit.CODEC, jobs, workerId, 1_000_000);
    }

    private void start(KafkaOptions options) throws Exception {
        RequestDecoder decoder = gaussDecoder("w-component");
        OutputPublisher publisher = new OutputPublisher(vertx, producer);
        List<JobOutcome> completions = new CopyOnWriteArrayList<>();
        intake = new IntakeVerticle(options, TOPIC, "dead-letter", hook -> consumer = new HookedMockConsumer(hook), scheduler,
                decoder, publisher, CancelRegistry.defaults(), completions::add, metrics);
        vertx.deployVerticle(intake).toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
    }

    private static KafkaOptions options() {
        return KafkaOptions.defaults("mock:9092").withCommitInterval(Duration.ofMillis(50)).withRevokeGrace(Duration.ofMillis(300));
    }

    @AfterEach
    void close() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
    }

    /** Runs on the consumer's polling thread, as rebalances and fetched records do in a real consumer. */
    private void onPollThread(Runnable r) {
        consumer.schedulePollTask(r);
    }

    private void assign(TopicPartition... parts) {
        onPollThread(() -> consumer.rebalance(List.of(parts)));
    }

    private void records(TopicPartition tp, long fromOffset, String... jobIds) {
        onPollThread(() -> {
            for (int i = 0; i < jobIds.length; i++) {
                consumer.addRecord(new ConsumerRecord<>(tp.topic(), tp.partition(), fromOffset + i, jobIds[i], bytes(jobIds[i])));
            }
        });
    }

    private static byte[] bytes(String jobId) {
        return WorkerTestKit.CODEC.encode(WorkerTestKit.request(jobId).build());
    }

    private void finish(String jobId) {
        Job job = scheduler.running.stream().filter(j -> j.jobId().equals(jobId)).findFirst().orElseThrow();
        scheduler.running.remove(job);
        intake.markDone(JobTicket.of(job).record());
    }

    private OffsetAndMetadata committed(TopicPartition tp) {
        return consumer.commits.get(tp);
    }

    private Set<TopicPartition> paused() {
        return consumer.paused();
    }

    @Test
    void aFullSchedulerQueuesJobsInOrderPausesEveryPartitionAndTheNewAssignmentStaysPausedAfterARebalance() throws Exception {
        scheduler.capacity = 1;
        start(options());
        assign(P0);
        records(P0, 0, "j0", "j1", "j2");
        await(WAIT, "j0 admitted and P0 paused", () -> scheduler.offered.size() == 1 && paused().contains(P0));
        assertThat(scheduler.offeredIds()).containsExactly("j0");

        assign(P0, P1); // Kafka keeps no pause state for the intake: it must pause the new partition itself
        await(WAIT, "P0 and P1 paused after the rebalance", () -> paused().containsAll(Set.of(P0, P1)));

        scheduler.capacity = 3;
        finish("j0");
        intake.capacityAvailable();
        await(WAIT, "the queued jobs admitted", () -> scheduler.offered.size() == 3);
        assertThat(scheduler.offeredIds()).as("in record order").containsExactly("j0", "j1", "j2");
        await(WAIT, "partitions resumed", () -> paused().isEmpty());
        finish("j1");
        finish("j2");
        await(WAIT, "offset 3 committed", () -> committed(P0) != null && committed(P0).offset() == 3);
    }

    @Test
    void aRevokeWaitsForRunningJobsAndCommitsTheDoneOffsetsAboveTheWatermarkInsideTheCallback() throws Exception {
        start(options().withCommitInterval(Duration.ofHours(1))); // only the revoke (and delivery records) commit
        assign(P0);
        records(P0, 0, "j0", "j1", "j2");
        await(WAIT, "three jobs running", () -> scheduler.offered.size() == 3);
        finish("j1");
        finish("j2");
        assign(); // revoke P0 while j0 still runs: the hook waits the grace, then commits and abandons j0
        await(WAIT, "j0 abandoned", () -> scheduler.abandoned.size() == 1);
        await(WAIT, "the revoke's commit", () -> committed(P0) != null
                && ProgressCodec.decode(committed(P0).metadata(), 0) instanceof ProgressCodec.Read.Progress p && p.progress().isDone(1));
        OffsetAndMetadata c = committed(P0);
        assertThat(c.offset()).isZero();
        PartitionProgress p = ((ProgressCodec.Read.Progress) ProgressCodec.decode(c.metadata(), 0)).progress();
        assertThat(p.isDone(1)).isTrue();
        assertThat(p.isDone(2)).isTrue();
        assertThat(p.attempts()).as("a graceful revoke does not count the abandoned delivery").isEmpty();
        assertThat(scheduler.abandoned.get(0).jobId()).isEqualTo("j0");
    }

    @Test
    void aCompletionFromAnEarlierAssignmentOfThePartitionIsIgnored() throws Exception {
        start(options().withRevokeGrace(Duration.ZERO));
        assign(P0);
        records(P0, 0, "j0");
        await(WAIT, "j0 running", () -> scheduler.offered.size() == 1);
        RecordRef first = JobTicket.of(scheduler.offered.get(0)).record();
        assign();
        await(WAIT, "j0 abandoned", () -> scheduler.abandoned.size() == 1);
        assign(P0);
        records(P0, 0, "j0");
        await(WAIT, "j0 running again", () -> scheduler.offered.size() == 2);
        RecordRef second = JobTicket.of(scheduler.offered.get(1)).record();
        assertThat(second.generation()).isGreaterThan(first.generation());

        intake.markDone(first); // the result of the first run arrives late
        assertThat(intake.outstanding().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS))
                .as("the new assignment's record is still unfinished").isEqualTo(1);
        finish("j0");
        await(WAIT, "offset 1 committed", () -> committed(P0) != null && committed(P0).offset() == 1);
    }

    @Test
    void anEarlierOwnersMetadataSkipsFinishedRecordsRunsSuspectsAloneAndDeadLettersACrashLoop() throws Exception {
        start(options().withMaxDeliveries(2));
        BitSet done = new BitSet();
        done.set(1); // offset 2 finished
        String metadata = ProgressCodec.encode(new PartitionProgress(0, done, Map.of(0L, 2, 1L, 1)));
        onPollThread(() -> consumer.commitSync(Map.of(P0, new OffsetAndMetadata(0, metadata))));
        assign(P0);
        records(P0, 0, "j0", "j1", "j2", "j3");

        await(WAIT, "the suspect j1 running", () -> scheduler.offered.size() == 1);
        assertThat(scheduler.offeredIds()).containsExactly("j1");
        await(WAIT, "j0 dead-lettered", () -> producer.history().stream().anyMatch(r -> r.topic().equals("dead-letter")));
        ProducerRecord<String, byte[]> dl = producer.history().stream().filter(r -> r.topic().equals("dead-letter")).findFirst().orElseThrow();
        DeadLetter d = WorkerTestKit.CODEC.decode(dl.value(), DeadLetter.class);
        assertThat(d.getErrorCode()).isEqualTo(IntakeVerticle.MAX_DELIVERIES);
        assertThat(d.getOriginalOffset()).isZero();
        ByteBuffer original = d.getOriginalValue();
        byte[] b = new byte[original.remaining()];
        original.get(b);
        assertThat(b).isEqualTo(bytes("j0"));
        assertThat(metrics.recordsSkipped()).as("j2, finished by the earlier owner").isEqualTo(1);
        assertThat(paused()).as("nothing else starts while a suspect runs alone").contains(P0);
        assertThat(scheduler.offeredIds()).doesNotContain("j3");

        finish("j1");
        await(WAIT, "j3 running after the suspect", () -> scheduler.offered.size() == 2);
        assertThat(scheduler.offeredIds()).containsExactly("j1", "j3");
        finish("j3");
        await(WAIT, "everything committed", () -> committed(P0) != null && committed(P0).offset() == 4);
        assertThat(ProgressCodec.decode(committed(P0).metadata(), 4)).isInstanceOf(ProgressCodec.Read.Absent.class);
    }

    /**
     * The last suspect ends with nothing queued behind it: the partitions it kept paused must resume by themselves.
     * (They did not: the intake resumed only when it had queued jobs to pump, so after a killed worker's suspects
     * ran, a new owner could sit with every partition paused and nothing in flight.) The commit interval is an hour
     * so the periodic reconciliation cannot be what resumes them.
     */
    @Test
    void partitionsPausedForASuspectResumeWhenItEndsWithNothingQueued() throws Exception {
        start(options().withMaxDeliveries(3).withCommitInterval(Duration.ofHours(1)));
        String metadata = ProgressCodec.encode(new PartitionProgress(0, new BitSet(), Map.of(0L, 1)));
        onPollThread(() -> consumer.commitSync(Map.of(P0, new OffsetAndMetadata(0, metadata))));
        assign(P0, P1);
        records(P0, 0, "suspect");
        await(WAIT, "the suspect running alone", () -> scheduler.offered.size() == 1 && paused().containsAll(Set.of(P0, P1)));

        finish("suspect");
        await(WAIT, "both partitions resumed", () -> paused().isEmpty());
        records(P1, 0, "next");
        await(WAIT, "a new record admitted", () -> scheduler.offeredIds().contains("next"));
    }

    @Test
    void theDeliveryOfAJobIsCommittedBeforeTheJobStarts() throws Exception {
        start(options().withCommitInterval(Duration.ofHours(1)));
        assign(P0);
        records(P0, 0, "j0");
        await(WAIT, "j0 running", () -> scheduler.offered.size() == 1);
        OffsetAndMetadata c = committed(P0);
        assertThat(c).as("a commit recorded the delivery before the scheduler saw the job").isNotNull();
        PartitionProgress p = ((ProgressCodec.Read.Progress) ProgressCodec.decode(c.metadata(), 0)).progress();
        assertThat(p.attempts(0)).isEqualTo(1);
    }

    /** A job naming a model this worker does not serve: one dead letter that names the field, never offered, its record done. */
    @Test
    void aModelUnknownAtIntakeIsDeadLetteredExactlyOnceAndNeverOffered() throws Exception {
        start(options());
        assign(P0);
        byte[] unknown = WorkerTestKit.CODEC.encode(WorkerTestKit.request("j0").setModel("no-such-model").build());
        onPollThread(() -> consumer.addRecord(new ConsumerRecord<>(TOPIC, 0, 0, "j0", unknown)));
        records(P0, 1, "j1");
        await(WAIT, "j1 running", () -> scheduler.offeredIds().contains("j1"));
        finish("j1");
        await(WAIT, "both records committed", () -> committed(P0) != null && committed(P0).offset() == 2);

        List<DeadLetter> dead = deadLetters();
        assertThat(dead).hasSize(1);
        assertThat(dead.get(0).getJobId()).isEqualTo("j0");
        assertThat(dead.get(0).getErrorCode()).isEqualTo(InvalidJobException.UNKNOWN_MODEL);
        assertThat(dead.get(0).getErrorMessage()).isEqualTo("model: unknown model 'no-such-model'; this worker serves [gauss]");
        assertThat(scheduler.offeredIds()).containsExactly("j1");
    }

    /**
     * The scheduler finds no model for a job that passed intake (possible only if the registry changed in between,
     * since both read one {@link RegistryCatalog}): the same UNKNOWN_MODEL dead letter as at intake, exactly once.
     */
    @Test
    void aModelTheSchedulerDoesNotFindIsDeadLetteredAsIntakeWouldExactlyOnce() throws Exception {
        scheduler.refusal = Admission.REJECTED_UNKNOWN_MODEL;
        start(options());
        assign(P0);
        records(P0, 0, "j0");
        await(WAIT, "j0 dead-lettered and committed", () -> committed(P0) != null && committed(P0).offset() == 1);

        List<DeadLetter> dead = deadLetters();
        assertThat(dead).hasSize(1);
        assertThat(dead.get(0).getErrorCode()).isEqualTo(InvalidJobException.UNKNOWN_MODEL);
        assertThat(dead.get(0).getErrorMessage()).startsWith("model: unknown model 'gauss'; this worker serves ");
        assertThat(dead.get(0).getErrorClass()).isEqualTo(InvalidJobException.class.getName());
        assertThat(dead.get(0).getOriginalValue()).as("the record's bytes, for a replay").isEqualTo(ByteBuffer.wrap(bytes("j0")));
        assertThat(scheduler.offered).isEmpty();
    }

    private List<DeadLetter> deadLetters() throws Exception {
        List<DeadLetter> out = new ArrayList<>();
        for (ProducerRecord<String, byte[]> r : producer.history()) {
            if (r.topic().equals("dead-letter")) out.add(WorkerTestKit.CODEC.decode(r.value(), DeadLetter.class));
        }
        return out;
    }
}
