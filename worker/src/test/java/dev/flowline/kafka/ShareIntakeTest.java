package dev.flowline.kafka;

import dev.flowline.app.FlowlineWorker;
import dev.flowline.avro.GenerationRequest;
import dev.flowline.avro.GenerationResult;
import dev.flowline.avro.JobStatus;
import dev.flowline.config.WorkerConfig;
import dev.flowline.config.WorkerOptions;
import dev.flowline.model.ModelRegistry;
import dev.flowline.testing.KafkaBrokerExtension;
import dev.flowline.testing.KafkaCluster;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ShareGroupDescription;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static dev.flowline.kafka.WorkerTestKit.await;
import static dev.flowline.kafka.WorkerTestKit.request;
import static dev.flowline.kafka.WorkerTestKit.sampler;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code kafka.intake=share} against a real broker: several workers share ONE partition (a consumer group could give
 * it to one worker only), every record is acknowledged after its result, and a drained worker's records go to another.
 */
@ExtendWith(KafkaBrokerExtension.class)
class ShareIntakeTest {

    @Test
    void threeWorkersShareOnePartitionAndEveryJobHasExactlyOneResult(KafkaCluster kafka) throws Exception {
        try (WorkerTestKit kit = new WorkerTestKit(kafka, 1)) {
            var results = kit.results();
            configureGroup(kafka, kit);
            ModelRegistry models = kit.registry(2000, 500);
            List<FlowlineWorker> workers = IntStream.range(0, 3).mapToObj(i -> kit.start(shareConfig(kit, "s-" + i, 4), models)).toList();
            awaitMembers(kafka, kit.groupId, 3);

            int n = 60;
            List<GenerationRequest> jobs = IntStream.range(0, n).mapToObj(i -> request("share-" + i).build()).toList();
            java.util.concurrent.atomic.AtomicInteger maxInFlight = new java.util.concurrent.atomic.AtomicInteger();
            java.util.concurrent.atomic.AtomicBoolean sampling = new java.util.concurrent.atomic.AtomicBoolean(true);
            Thread sampler = new Thread(() -> {
                while (sampling.get()) {
                    workers.forEach(w -> maxInFlight.accumulateAndGet(w.jobsInFlight(), Math::max));
                    try {
                        Thread.sleep(1);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
            sampler.start();
            try {
                kit.sendAll(jobs);
                await(Duration.ofSeconds(90), n + " results", () -> WorkerTestKit.jobIds(results.records).size() >= n);
            } finally {
                sampling.set(false);
                sampler.join();
            }
            // each worker acquires at most its capacity (max.poll.records, record_limit) and fetches no more until done
            assertThat(maxInFlight.get()).isBetween(1, 4);
            // every record ACCEPTed once its result was acked (the last acknowledgements trail the results a little)
            await(Duration.ofSeconds(30), n + " ACCEPTs", () -> workers.stream().mapToDouble(w -> w.metrics().shareAcknowledged("ACCEPT")).sum() >= n);

            Map<String, Long> perJob = results.records.stream().collect(Collectors.groupingBy(GenerationResult::getJobId, Collectors.counting()));
            assertThat(perJob.keySet()).isEqualTo(jobs.stream().map(GenerationRequest::getJobId).collect(Collectors.toSet()));
            assertThat(perJob).allSatisfy((id, count) -> assertThat(count).as("results of " + id).isEqualTo(1));
            assertThat(results.records).allSatisfy(r -> assertThat(r.getStatus()).isEqualTo(JobStatus.SUCCEEDED));
            Map<String, Long> byWorker = results.records.stream().collect(Collectors.groupingBy(GenerationResult::getWorkerId, Collectors.counting()));
            System.out.printf("share intake, 3 workers on 1 partition: %d jobs, by worker %s%n", n, byWorker);
            assertThat(byWorker).as("workers that ran jobs of the one partition").hasSizeGreaterThan(1);
            assertThat(workers.stream().mapToDouble(w -> w.metrics().shareAcknowledged("ACCEPT")).sum()).isEqualTo(n);
            assertThat(resultKeys(kafka, kit.topics.resultsTopic(), n)).as("result record key -> job id").allSatisfy((k, id) -> assertThat(k).isEqualTo(id));
            assertThat(workers.stream().mapToDouble(w -> w.metrics().shareAcknowledged("RELEASE") + w.metrics().shareAcknowledged("REJECT")).sum()).isZero();
        }
    }

    @Test
    void aDrainedWorkerReleasesItsJobsAndAnotherWorkerFinishesThem(KafkaCluster kafka) throws Exception {
        try (WorkerTestKit kit = new WorkerTestKit(kafka, 1)) {
            var results = kit.results();
            configureGroup(kafka, kit);
            ModelRegistry models = kit.registry(3000, 1000); // 20 steps: every job takes 80 ms or more, whatever the batching
            // a: drain timeout 0, so every job it holds at the drain is abandoned and its record released;
            // two samples active at a time, so most of its eight jobs wait in the scheduler
            WorkerConfig ac = shareConfig(kit, "s-a", 8);
            ac = ac.withWorker(new WorkerOptions("s-a", Duration.ZERO)).withBatching(ac.batching().withMaxActiveSamples(2));
            FlowlineWorker a = kit.start(ac, models);
            FlowlineWorker b = kit.start(shareConfig(kit, "s-b", 8), models);
            awaitMembers(kafka, kit.groupId, 2);

            int n = 40;
            List<GenerationRequest> jobs = IntStream.range(0, n).mapToObj(i -> request("drain-" + i).setSampler(sampler("euler", 20).build()).build()).toList();
            kit.sendAll(jobs);
            // a has finished jobs (ACCEPTed) and holds more: the drain must accept the first and release the others
            await(Duration.ofSeconds(60), "worker a done with some jobs and holding more", () -> a.jobsInFlight() >= 3
                    && results.records.stream().anyMatch(r -> r.getWorkerId().equals("s-a")));
            a.drain().get(30, TimeUnit.SECONDS);
            double released = a.metrics().shareAcknowledged("RELEASE");

            await(Duration.ofSeconds(90), n + " results", () -> WorkerTestKit.jobIds(results.records).size() >= n);
            Map<String, Long> perJob = results.records.stream().collect(Collectors.groupingBy(GenerationResult::getJobId, Collectors.counting()));
            Map<String, Long> byWorker = results.records.stream().collect(Collectors.groupingBy(GenerationResult::getWorkerId, Collectors.counting()));
            System.out.printf("share drain: %d jobs, a released %.0f records, results by worker %s%n", n, released, byWorker);
            // a stopped, so each record it released was finished by b; none is lost and none ran twice
            assertThat(released).as("records a released at its drain").isPositive();
            assertThat(perJob.keySet()).isEqualTo(jobs.stream().map(GenerationRequest::getJobId).collect(Collectors.toSet()));
            assertThat(perJob).allSatisfy((id, count) -> assertThat(count).as("results of " + id).isEqualTo(1));
            assertThat(results.records).allSatisfy(r -> assertThat(r.getStatus()).isEqualTo(JobStatus.SUCCEEDED));
            assertThat(byWorker.getOrDefault("s-b", 0L)).isGreaterThanOrEqualTo((long) released);
            assertThat(a.metrics().shareAcknowledged("ACCEPT")).as("a's finished jobs").isEqualTo((double) byWorker.get("s-a"));
        }
    }

    @Test
    void aJobLongerThanTheLockKeepsItsRecordByRenewingIt(KafkaCluster kafka) throws Exception {
        try (WorkerTestKit kit = new WorkerTestKit(kafka, 1)) {
            var results = kit.results();
            configureGroup(kafka, kit);
            setGroupConfig(kafka, kit.groupId, "share.record.lock.duration.ms", "2000");
            ModelRegistry models = kit.registry(20_000); // 20 ms per call: 250 steps take 5 s, 2.5 lock durations
            List<FlowlineWorker> workers = List.of(kit.start(shareConfig(kit, "s-r1", 4), models), kit.start(shareConfig(kit, "s-r2", 4), models));
            awaitMembers(kafka, kit.groupId, 2);

            kit.send(request("long").setSampler(sampler("euler", 250).build()).build());
            await(Duration.ofSeconds(60), "the result", () -> !results.records.isEmpty());
            await(Duration.ofSeconds(30), "its ACCEPT", () -> workers.stream().mapToDouble(w -> w.metrics().shareAcknowledged("ACCEPT")).sum() >= 1);

            // Had the lock expired, the other member would have got the record (a second result) and the ACCEPT of
            // the first would have been refused (FAILED).
            assertThat(results.records).hasSize(1);
            assertThat(results.records.get(0).getStatus()).isEqualTo(JobStatus.SUCCEEDED);
            assertThat(workers.stream().mapToDouble(w -> w.metrics().shareAcknowledged("RENEW")).sum()).as("renewals").isPositive();
            assertThat(workers.stream().mapToDouble(w -> w.metrics().shareAcknowledged("FAILED")).sum()).isZero();
        }
    }

    @Test
    void aJobThatKillsEveryWorkerIsDeadLetteredAfterMaxDeliveriesAndRejected(KafkaCluster kafka) throws Exception {
        int maxDeliveries = 2;
        try (WorkerTestKit kit = new WorkerTestKit(kafka, 1)) {
            var results = kit.results();
            var deadLetters = kit.deadLetters();
            try (Admin admin = kafka.admin()) {
                TopicSetup.configureShareGroup(admin, kit.groupId, maxDeliveries, Duration.ofSeconds(30));
            }
            // a killed worker leaves its records locked: a short lock gives them back soon
            setGroupConfig(kafka, kit.groupId, "share.record.lock.duration.ms", "3000");
            // The poison travels alone: the broker counts a delivery for every record a crashed worker held, so jobs
            // acquired together with it would be counted too (see README, share intake).
            GenerationRequest poison = request("poison").setModel("crash").build();
            byte[] poisonBytes = WorkerTestKit.CODEC.encode(poison);
            kit.sendRaw(kit.topics.jobsTopic(), "poison", poisonBytes);

            int killed = 0;
            FlowlineWorker last = null;
            for (int i = 1; i <= maxDeliveries + 1 && deadLetters.records.isEmpty(); i++) {
                java.util.concurrent.atomic.AtomicReference<FlowlineWorker> ref = new java.util.concurrent.atomic.AtomicReference<>();
                ModelRegistry registry = kit.registry(200);
                // a test-only fault: evaluating this model kills its worker (a process crash cannot happen in one JVM)
                registry.register(new CrashRecoveryTest.CrashingModel(ref));
                WorkerConfig c = shareConfig(kit, "s-c" + i, 8);
                FlowlineWorker w = kit.start(c.withKafka(c.kafka().withMaxDeliveries(maxDeliveries)), registry);
                ref.set(w);
                last = w;
                await(Duration.ofSeconds(90), "worker s-c" + i + " to crash or the poison to be dead-lettered",
                        () -> w.killed() || !deadLetters.records.isEmpty());
                if (w.killed()) {
                    killed++;
                    w.kill().get(30, TimeUnit.SECONDS);
                }
            }
            FlowlineWorker survivor = last;
            await(Duration.ofSeconds(30), "the REJECT", () -> survivor.metrics().shareAcknowledged("REJECT") >= 1);
            // the worker that dead-lettered it goes on serving
            List<String> ids = IntStream.range(0, 5).mapToObj(i -> "after-" + i).toList();
            ids.forEach(id -> kit.send(request(id).build()));
            await(Duration.ofSeconds(60), "the later jobs' results", () -> WorkerTestKit.jobIds(results.records).containsAll(ids));

            assertThat(killed).as("workers the poison killed").isEqualTo(maxDeliveries);
            assertThat(survivor.killed()).isFalse();
            assertThat(deadLetters.records).hasSize(1);
            dev.flowline.avro.DeadLetter d = deadLetters.records.get(0);
            assertThat(d.getErrorCode()).isEqualTo(IntakeVerticle.MAX_DELIVERIES);
            assertThat(d.getJobId()).isEqualTo("poison");
            assertThat(d.getErrorMessage()).contains("delivered 2 times");
            java.nio.ByteBuffer original = d.getOriginalValue();
            byte[] bytes = new byte[original.remaining()];
            original.get(bytes);
            assertThat(bytes).as("the original bytes, for a replay tool").isEqualTo(poisonBytes);
            assertThat(survivor.metrics().shareAcknowledged("REJECT")).isEqualTo(1);
            assertThat(results.records).allSatisfy(r -> assertThat(r.getStatus()).isEqualTo(JobStatus.SUCCEEDED));
            assertThat(WorkerTestKit.jobIds(results.records)).doesNotContain("poison");
        }
    }

    @Test
    void cancellationAndProgressWorkAsInGroupMode(KafkaCluster kafka) throws Exception {
        try (WorkerTestKit kit = new WorkerTestKit(kafka, 1)) {
            var results = kit.results();
            var progress = kit.reader(kit.topics.progressTopic(), dev.flowline.avro.ProgressEvent.class);
            configureGroup(kafka, kit);
            FlowlineWorker w = kit.start(shareConfig(kit, "s-cancel", 4), kit.registry(2000)); // 2 ms per call
            awaitMembers(kafka, kit.groupId, 1);

            kit.send(request("run-cancel").setSampler(sampler("euler", 1000).build()).setProgress(true).build());
            await(Duration.ofSeconds(20), "run-cancel running", () -> progress.records.stream().anyMatch(p -> p.getJobId().equals("run-cancel")));
            kit.cancel("run-cancel");
            kit.send(request("fine").build());

            await(Duration.ofSeconds(30), "2 results", () -> WorkerTestKit.jobIds(results.records).size() >= 2);
            await(Duration.ofSeconds(30), "2 ACCEPTs", () -> w.metrics().shareAcknowledged("ACCEPT") >= 2);
            Map<String, GenerationResult> byId = WorkerTestKit.byJobId(results.records);
            assertThat(byId.get("run-cancel").getStatus()).isEqualTo(JobStatus.CANCELLED);
            assertThat(byId.get("fine").getStatus()).isEqualTo(JobStatus.SUCCEEDED);
            assertThat(w.metrics().completed("CANCELLED")).isEqualTo(1);
            assertThat(w.metrics().shareAcknowledged("ACCEPT")).as("a cancelled job's record is done too").isEqualTo(2);
        }
    }

    @Test
    void createTopicsConfiguresTheShareGroupToReadFromTheEarliestRecord(KafkaCluster kafka) throws Exception {
        try (WorkerTestKit kit = new WorkerTestKit(kafka, 1)) {
            WorkerConfig c = shareConfig(kit, "s-topics", 4);
            WorkerTopics.create(c); // what run --create-topics does
            try (Admin admin = kafka.admin()) {
                var group = new org.apache.kafka.common.config.ConfigResource(org.apache.kafka.common.config.ConfigResource.Type.GROUP, kit.groupId);
                var config = admin.describeConfigs(List.of(group)).all().get(30, TimeUnit.SECONDS).get(group);
                assertThat(config.get("share.auto.offset.reset").value()).isEqualTo("earliest");
                // one delivery more than kafka.maxDeliveries (5), so that the worker, not the broker, ends the record
                assertThat(config.get("share.delivery.count.limit").value()).isEqualTo("6");
            }
        }
    }

    /** The results topic's records as key -> job id in the value (one partition, read from the start). */
    static Map<String, String> resultKeys(KafkaCluster kafka, String topic, int atLeast) {
        Map<String, Object> p = new java.util.HashMap<>(kafka.clientProperties());
        p.put("key.deserializer", org.apache.kafka.common.serialization.StringDeserializer.class.getName());
        p.put("value.deserializer", org.apache.kafka.common.serialization.ByteArrayDeserializer.class.getName());
        Map<String, String> out = new java.util.HashMap<>();
        try (var c = new org.apache.kafka.clients.consumer.KafkaConsumer<String, byte[]>(p)) {
            var tp = new org.apache.kafka.common.TopicPartition(topic, 0);
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            int[] read = {0};
            await(Duration.ofSeconds(30), atLeast + " result records", () -> {
                for (var r : c.poll(Duration.ofMillis(200))) {
                    try {
                        out.put(r.key(), WorkerTestKit.CODEC.decode(r.value(), GenerationResult.class).getJobId());
                    } catch (dev.flowline.schema.MessageDecodeException e) {
                        throw new AssertionError("undecodable result " + r.key(), e);
                    }
                    read[0]++;
                }
                return read[0] >= atLeast;
            });
        }
        return out;
    }

    static void setGroupConfig(KafkaCluster kafka, String group, String key, String value) throws Exception {
        try (Admin admin = kafka.admin()) {
            admin.incrementalAlterConfigs(Map.of(new org.apache.kafka.common.config.ConfigResource(org.apache.kafka.common.config.ConfigResource.Type.GROUP, group),
                    List.of(new org.apache.kafka.clients.admin.AlterConfigOp(new org.apache.kafka.clients.admin.ConfigEntry(key, value),
                            org.apache.kafka.clients.admin.AlterConfigOp.OpType.SET)))).all().get(30, TimeUnit.SECONDS);
        }
    }

    /** A worker reading through the kit's group id as a share group, holding at most {@code capacity} jobs. */
    static WorkerConfig shareConfig(WorkerTestKit kit, String id, int capacity) {
        WorkerConfig c = kit.config(id);
        return c.withKafka(c.kafka().withIntake("share"))
                .withBatching(c.batching().withMaxJobsInFlight(capacity).withMaxActiveSamples(capacity));
    }

    /** What {@code --create-topics} does for share intake: read from the earliest record. */
    static void configureGroup(KafkaCluster kafka, WorkerTestKit kit) throws Exception {
        try (Admin admin = kafka.admin()) {
            TopicSetup.configureShareGroup(admin, kit.groupId, 5, Duration.ofSeconds(30));
        }
    }

    /** Waits until the share group has {@code n} members, each with its assignment. */
    static void awaitMembers(KafkaCluster kafka, String group, int n) {
        try (Admin admin = kafka.admin()) {
            await(Duration.ofSeconds(60), n + " share-group members with assignments", () -> {
                try {
                    ShareGroupDescription d = admin.describeShareGroups(List.of(group)).all().get().get(group);
                    return d.members().size() == n && d.members().stream().allMatch(m -> !m.assignment().topicPartitions().isEmpty());
                } catch (Exception e) {
                    return false;
                }
            });
        }
    }
}
