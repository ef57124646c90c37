package dev.flowline.kafka;

import dev.flowline.app.FlowlineWorker;
import dev.flowline.avro.DeadLetter;
import dev.flowline.avro.GenerationRequest;
import dev.flowline.avro.GenerationResult;
import dev.flowline.avro.JobStatus;
import dev.flowline.config.WorkerConfig;
import dev.flowline.config.WorkerOptions;
import dev.flowline.kafka.offsets.ProgressCodec;
import dev.flowline.model.AnalyticGaussianModel;
import dev.flowline.model.ModelInfo;
import dev.flowline.model.ModelRegistry;
import dev.flowline.model.VelocityModel;
import dev.flowline.testing.KafkaBrokerExtension;
import dev.flowline.testing.KafkaCluster;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static dev.flowline.kafka.WorkerTestKit.await;
import static dev.flowline.kafka.WorkerTestKit.request;
import static dev.flowline.kafka.WorkerTestKit.sampler;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Crashes in group mode against a real broker: the next owner of a partition skips what the dead worker finished
 * (done offsets in the commit metadata), a job that kills every worker that runs it is dead-lettered after
 * {@code kafka.maxDeliveries}, and metadata Flowline did not write is ignored. A "crash" is {@link FlowlineWorker#kill}:
 * from its first instruction the worker publishes and commits nothing, as a process killed by SIGKILL.
 */
@ExtendWith(KafkaBrokerExtension.class)
class CrashRecoveryTest {

    /** The closed-form model, except that evaluating it kills the worker that serves it (a test-only fault). */
    static final class CrashingModel implements VelocityModel {
        private final AnalyticGaussianModel inner = AnalyticGaussianModel.builder().optName("crash").optSampleShape(1, 4, 4)
                .optNumClasses(3).build();
        private final AtomicReference<FlowlineWorker> worker;

        CrashingModel(AtomicReference<FlowlineWorker> worker) {
            this.worker = worker;
        }

        @Override
        public ModelInfo info() {
            return inner.info();
        }

        @Override
        public void velocity(int rows, float[] x, float[] t, int[] labels, float[] out) {
            await(Duration.ofSeconds(30), "the worker reference", () -> worker.get() != null);
            FlowlineWorker w = worker.get();
            Thread killer = new Thread(w::kill, "crash-" + w.workerId());
            killer.start();
            // the process is "dead" once kill began: nothing this job does afterwards leaves the worker
            await(Duration.ofSeconds(30), "the worker to be killed", w::killed);
            throw new IllegalStateException("simulated crash");
        }

        @Override
        public void close() {
            inner.close();
        }
    }

    private static WorkerConfig config(WorkerTestKit kit, String id, int maxDeliveries) {
        WorkerConfig c = kit.config(id);
        return c.withWorker(new WorkerOptions(id, Duration.ofSeconds(20))).withKafka(c.kafka().withMaxDeliveries(maxDeliveries));
    }

    private static long doneAboveCommit(WorkerTestKit kit, TopicPartition tp) {
        try (Admin admin = kit.kafka.admin()) {
            OffsetAndMetadata om = admin.listConsumerGroupOffsets(kit.groupId).partitionsToOffsetAndMetadata().get().get(tp);
            if (om == null) return 0;
            return ProgressCodec.decode(om.metadata(), om.offset()) instanceof ProgressCodec.Read.Progress p
                    ? p.progress().doneAbove().cardinality() : 0;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void afterAKillTheNewOwnerSkipsTheJobsTheDeadWorkerFinished(KafkaCluster kafka) throws Exception {
        try (WorkerTestKit kit = new WorkerTestKit(kafka, 1)) {
            var results = kit.results();
            TopicPartition tp = new TopicPartition(kit.topics.jobsTopic(), 0);
            FlowlineWorker a = kit.start(config(kit, "w-a", 5), kit.registry(5000)); // 5 ms per call
            await(Duration.ofSeconds(30), "worker a ready", a::ready);
            // offset 0: 1,000 steps (several seconds), so the commit stays at 0 while the 40 quick jobs behind it finish
            kit.send(request("long").setSampler(sampler("euler", 1000).build()).build());
            List<GenerationRequest> quick = IntStream.range(0, 40).mapToObj(i -> request("quick-" + i).build()).toList();
            kit.sendAll(quick);
            await(Duration.ofSeconds(60), "40 quick results", () -> WorkerTestKit.jobIds(results.records).size() >= 40);
            await(Duration.ofSeconds(30), "the 40 done offsets in the commit metadata", () -> doneAboveCommit(kit, tp) == 40);
            assertThat(WorkerTestKit.jobIds(results.records)).doesNotContain("long");

            a.kill().get(30, java.util.concurrent.TimeUnit.SECONDS);
            FlowlineWorker b = kit.start(config(kit, "w-b", 5), kit.registry(500));
            await(Duration.ofSeconds(60), "the long job's result", () -> WorkerTestKit.jobIds(results.records).contains("long"));

            Map<String, Long> perJob = results.records.stream().collect(Collectors.groupingBy(GenerationResult::getJobId, Collectors.counting()));
            long reExecutions = perJob.entrySet().stream().filter(e -> e.getKey().startsWith("quick-")).mapToLong(e -> e.getValue() - 1).sum();
            System.out.printf("kill with 40 finished jobs above the commit: re-executions %d, skipped by the new owner %.0f%n",
                    reExecutions, b.metrics().recordsSkipped());
            assertThat(reExecutions).as("finished jobs run again by the new owner").isZero();
            assertThat(b.metrics().recordsSkipped()).isEqualTo(40);
            assertThat(results.records).allSatisfy(r -> assertThat(r.getStatus()).isEqualTo(JobStatus.SUCCEEDED));
            await(Duration.ofSeconds(15), "committed offsets at the log end", () -> kit.lag() == 0);
        }
    }

    @Test
    void aJobThatKillsEveryWorkerIsDeadLetteredAfterMaxDeliveriesAndTheJobsAroundItSucceed(KafkaCluster kafka) throws Exception {
        int maxDeliveries = 2;
        try (WorkerTestKit kit = new WorkerTestKit(kafka, 1)) {
            var results = kit.results();
            var deadLetters = kit.deadLetters();
            List<String> ids = IntStream.range(0, 3).mapToObj(i -> "before-" + i).collect(Collectors.toList());
            for (String id : ids) kit.send(request(id).build());
            GenerationRequest poison = request("poison").setModel("crash").build();
            byte[] poisonBytes = WorkerTestKit.CODEC.encode(poison);
            kit.sendRaw(kit.topics.jobsTopic(), "poison", poisonBytes);
            for (int i = 0; i < 3; i++) {
                kit.send(request("after-" + i).build());
                ids.add("after-" + i);
            }

            Function<String, FlowlineWorker> startOne = id -> {
                AtomicReference<FlowlineWorker> ref = new AtomicReference<>();
                ModelRegistry registry = kit.registry(200);
                registry.register(new CrashingModel(ref));
                FlowlineWorker w = kit.start(config(kit, id, maxDeliveries), registry);
                ref.set(w);
                return w;
            };
            int killed = 0;
            for (int i = 1; i <= maxDeliveries + 1 && deadLetters.records.isEmpty(); i++) {
                FlowlineWorker w = startOne.apply("w-" + i);
                await(Duration.ofSeconds(60), "worker w-" + i + " to crash or the poison to be dead-lettered",
                        () -> w.killed() || !deadLetters.records.isEmpty());
                if (w.killed()) {
                    killed++;
                    w.kill().get(30, java.util.concurrent.TimeUnit.SECONDS);
                }
            }
            await(Duration.ofSeconds(60), "every other job's result", () -> WorkerTestKit.jobIds(results.records).containsAll(ids));

            assertThat(killed).as("workers the poison killed").isEqualTo(maxDeliveries);
            assertThat(deadLetters.records).hasSize(1);
            DeadLetter d = deadLetters.records.get(0);
            assertThat(d.getErrorCode()).isEqualTo(IntakeVerticle.MAX_DELIVERIES);
            assertThat(d.getJobId()).isEqualTo("poison");
            assertThat(d.getErrorMessage()).contains("delivered 2 times");
            ByteBuffer original = d.getOriginalValue();
            byte[] bytes = new byte[original.remaining()];
            original.get(bytes);
            assertThat(bytes).as("the original bytes, for a replay tool").isEqualTo(poisonBytes);
            assertThat(results.records).allSatisfy(r -> assertThat(r.getStatus()).isEqualTo(JobStatus.SUCCEEDED));
            assertThat(WorkerTestKit.jobIds(results.records)).doesNotContain("poison");
            await(Duration.ofSeconds(15), "committed offsets at the log end", () -> kit.lag() == 0);
        }
    }

    @Test
    void foreignOrCorruptCommitMetadataIsIgnoredAndEveryJobRuns(KafkaCluster kafka) throws Exception {
        try (WorkerTestKit kit = new WorkerTestKit(kafka, 2)) {
            var results = kit.results();
            TopicPartition p0 = new TopicPartition(kit.topics.jobsTopic(), 0);
            TopicPartition p1 = new TopicPartition(kit.topics.jobsTopic(), 1);
            for (int i = 0; i < 6; i++) {
                GenerationRequest r = request("m-" + i).build();
                kit.sendRaw(kit.topics.jobsTopic(), i % 2, r.getJobId(), WorkerTestKit.CODEC.encode(r));
            }
            try (Admin admin = kafka.admin()) {
                admin.alterConsumerGroupOffsets(kit.groupId, Map.of(
                        p0, new OffsetAndMetadata(0, "written by another tool"),
                        p1, new OffsetAndMetadata(0, ProgressCodec.PREFIX + "bm90IGEgcHJvZ3Jlc3M"))).all().get();
            }
            FlowlineWorker w = kit.start(kit.config("w-meta"), kit.registry(0));
            await(Duration.ofSeconds(60), "6 results", () -> WorkerTestKit.jobIds(results.records).size() >= 6);
            assertThat(w.metrics().recordsSkipped()).isZero();
            assertThat(w.killed()).isFalse();
            await(Duration.ofSeconds(15), "committed offsets at the log end", () -> kit.lag() == 0);
        }
    }
}
