package dev.flowline.kafka;

import dev.flowline.app.FlowlineWorker;
import dev.flowline.avro.GenerationRequest;
import dev.flowline.avro.GenerationResult;
import dev.flowline.avro.JobStatus;
import dev.flowline.avro.ProgressEvent;
import dev.flowline.config.WorkerConfig;
import dev.flowline.model.ModelRegistry;
import dev.flowline.testing.KafkaBrokerExtension;
import dev.flowline.testing.KafkaCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static dev.flowline.kafka.WorkerTestKit.await;
import static dev.flowline.kafka.WorkerTestKit.request;
import static dev.flowline.kafka.WorkerTestKit.sampler;
import static org.assertj.core.api.Assertions.assertThat;

/** Backpressure, a consumer group of two with a crash, and cancellation and deadlines, against a real broker. */
@ExtendWith(KafkaBrokerExtension.class)
class WorkerGroupTest {

    @Test
    void twoThousandQueuedJobsWithSmallCapacityNeverExceedItAndTheMemberStaysInTheGroup(KafkaCluster kafka) throws Exception {
        try (WorkerTestKit kit = new WorkerTestKit(kafka, 4)) {
            var results = kit.results();
            // 2,000 jobs wait in Kafka before the worker starts
            kit.sendAll(IntStream.range(0, 2000).mapToObj(i -> request("bp-" + i).build()).toList());
            WorkerConfig cfg = kit.config("w-bp");
            int capacity = 8;
            cfg = cfg.withBatching(cfg.batching().withMaxJobsInFlight(capacity).withMaxActiveSamples(capacity))
                    .withKafka(cfg.kafka().withMaxOutstandingPerPartition(64));
            FlowlineWorker w = kit.start(cfg, kit.registry(200));

            AtomicInteger maxInFlight = new AtomicInteger();
            AtomicInteger maxPaused = new AtomicInteger();
            AtomicBoolean sampling = new AtomicBoolean(true);
            Thread sampler = new Thread(() -> {
                while (sampling.get()) {
                    maxInFlight.accumulateAndGet(w.jobsInFlight(), Math::max);
                    maxPaused.accumulateAndGet(w.metrics().pausedPartitions(), Math::max);
                    try {
                        Thread.sleep(1);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
            sampler.start();
            try {
                await(Duration.ofSeconds(120), "2000 results", () -> WorkerTestKit.jobIds(results.records).size() >= 2000);
            } finally {
                sampling.set(false);
                sampler.join();
            }
            assertThat(maxInFlight.get()).isBetween(1, capacity);
            assertThat(maxPaused.get()).as("partitions paused by backpressure").isPositive();
            assertThat(w.metrics().partitionsRemoved()).as("partitions revoked or lost while paused").isZero();
            assertThat(results.records).allSatisfy(r -> assertThat(r.getStatus()).isEqualTo(JobStatus.SUCCEEDED));
            await(Duration.ofSeconds(15), "committed offsets at the log end", () -> kit.lag() == 0);
        }
    }

    @Test
    void aWorkerStoppedAbruptlyMidRunLosesNoJob(KafkaCluster kafka) throws Exception {
        try (WorkerTestKit kit = new WorkerTestKit(kafka, 4)) {
            var results = kit.results();
            ModelRegistry models = kit.registry(500, 1000); // 1 ms per row: 400 jobs x 8 steps take seconds whatever the batching
            WorkerConfig base = kit.config("w-a");
            // Crash-loop protection on (the default): the new owner runs the killed worker's in-flight jobs one at a
            // time as suspects (IntakeComponentTest covers the stall that once followed the last of them).
            WorkerConfig a = base.withBatching(base.batching().withMaxBatchRows(8).withMaxActiveSamples(8).withMaxJobsInFlight(32));
            FlowlineWorker wa = kit.start(a, models);
            await(Duration.ofSeconds(30), "worker a ready", wa::ready);

            int n = 400;
            List<GenerationRequest> jobs = IntStream.range(0, n).mapToObj(i -> request("grp-" + i).setSampler(sampler("euler", 8).build()).build()).toList();
            kit.sendAll(jobs);
            await(Duration.ofSeconds(60), "first results", () -> results.records.size() >= 10);

            // b joins: a revokes two partitions (grace, commit, abandon), b takes them over
            FlowlineWorker wb = kit.start(a.withWorker(new dev.flowline.config.WorkerOptions("w-b", Duration.ofSeconds(20))), models);
            await(Duration.ofSeconds(30), "worker b assigned", wb::ready);
            await(Duration.ofSeconds(60), "more results", () -> results.records.size() >= 150);

            wa.kill().get(20, TimeUnit.SECONDS); // no drain, no commit: its unfinished jobs are redelivered to b
            await(Duration.ofSeconds(90), "a result for every job", () -> WorkerTestKit.jobIds(results.records).size() >= n);

            Set<String> expected = jobs.stream().map(GenerationRequest::getJobId).collect(Collectors.toSet());
            assertThat(WorkerTestKit.jobIds(results.records)).containsAll(expected);
            Map<String, Long> perJob = results.records.stream().collect(Collectors.groupingBy(GenerationResult::getJobId, Collectors.counting()));
            long duplicates = perJob.values().stream().mapToLong(c -> c - 1).sum();
            Map<String, Long> byWorker = results.records.stream().collect(Collectors.groupingBy(GenerationResult::getWorkerId, Collectors.counting()));
            System.out.printf("two workers, one killed: %d jobs, %d results, %d duplicates, by worker %s%n",
                    n, results.records.size(), duplicates, byWorker);
            assertThat(byWorker).containsKeys("w-a", "w-b");
            assertThat(results.records).allSatisfy(r -> assertThat(r.getStatus()).isEqualTo(JobStatus.SUCCEEDED));

            // Every job id has a result, but b may still be working through the killed worker's redelivered records
            // (suspects run one at a time; most already have a result from a). A drain now would rightly drop the
            // ones still queued, uncommitted, for the next owner, and CI once saw the lag stay above zero that way.
            // So b must first commit everything by itself; the drain must then leave it committed.
            await(Duration.ofSeconds(90), "b commits every redelivered record", () -> kit.lag() == 0);
            wb.drain().get(30, TimeUnit.SECONDS);
            await(Duration.ofSeconds(15), "committed offsets at the log end after the drain", () -> kit.lag() == 0);
        }
    }

    @Test
    void cancellationOnTheControlTopicAndDeadlinesEndJobsCancelledAndExpired(KafkaCluster kafka) throws Exception {
        try (WorkerTestKit kit = new WorkerTestKit(kafka, 2)) {
            var results = kit.results();
            var progress = kit.reader(kit.topics.progressTopic(), ProgressEvent.class);
            FlowlineWorker w = kit.start(kit.config("w-cancel"), kit.registry(2000)); // 2 ms per call
            await(Duration.ofSeconds(30), "readiness", w::ready);

            // running when cancelled: 1000 steps take ~2 s
            kit.send(request("run-cancel").setSampler(sampler("euler", 1000).build()).setProgress(true).build());
            await(Duration.ofSeconds(20), "run-cancel running", () -> progress.records.stream().anyMatch(p -> p.getJobId().equals("run-cancel")));
            kit.cancel("run-cancel");

            // cancelled before its record arrives: remembered by every worker's control reader
            kit.cancel("pre-cancel");
            Thread.sleep(1000); // the control record is read independently of the jobs topic; give it a head start
            kit.send(request("pre-cancel").build());

            // deadlines: one passes mid-run, one has passed already
            kit.send(request("late").setSampler(sampler("euler", 1000).build()).setDeadline(WorkerTestKit.in(Duration.ofMillis(400))).build());
            kit.send(request("past").setDeadline(WorkerTestKit.in(Duration.ofSeconds(-5))).build());
            kit.send(request("fine").build());

            await(Duration.ofSeconds(30), "5 results", () -> WorkerTestKit.jobIds(results.records).size() >= 5);
            Map<String, GenerationResult> byId = new HashMap<>(WorkerTestKit.byJobId(results.records));
            assertThat(byId.get("run-cancel").getStatus()).isEqualTo(JobStatus.CANCELLED);
            assertThat(byId.get("pre-cancel").getStatus()).isEqualTo(JobStatus.CANCELLED);
            assertThat(byId.get("late").getStatus()).isEqualTo(JobStatus.EXPIRED);
            assertThat(byId.get("past").getStatus()).isEqualTo(JobStatus.EXPIRED);
            assertThat(byId.get("fine").getStatus()).isEqualTo(JobStatus.SUCCEEDED);
            List<String> codes = new ArrayList<>();
            byId.values().forEach(r -> codes.add(r.getJobId() + "=" + r.getErrorCode()));
            assertThat(byId.get("run-cancel").getErrorCode()).as(codes.toString()).isNotBlank();
            assertThat(byId.get("late").getErrorCode()).as(codes.toString()).isNotBlank();
            await(Duration.ofSeconds(15), "committed offsets at the log end", () -> kit.lag() == 0);
        }
    }
}
