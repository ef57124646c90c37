package dev.flowline.kafka;

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
import java.util.Set;
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
            kit.sendAll(jobs);
            await(Duration.ofSeconds(90), n + " results", () -> WorkerTestKit.jobIds(results.records).size() >= n);
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
            await(Duration.ofSeconds(60), "worker a holding jobs", () -> a.jobsInFlight() >= 3);
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

    static Set<String> ids(List<GenerationRequest> jobs) {
        return jobs.stream().map(GenerationRequest::getJobId).collect(Collectors.toSet());
    }
}
