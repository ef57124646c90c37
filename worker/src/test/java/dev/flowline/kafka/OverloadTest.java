package dev.flowline.kafka;

import dev.flowline.app.FlowlineWorker;
import dev.flowline.avro.GenerationRequest;
import dev.flowline.avro.JobStatus;
import dev.flowline.config.WorkerConfig;
import dev.flowline.testing.KafkaBrokerExtension;
import dev.flowline.testing.KafkaCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static dev.flowline.kafka.WorkerTestKit.await;
import static dev.flowline.kafka.WorkerTestKit.request;
import static dev.flowline.kafka.WorkerTestKit.sampler;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A burst far above capacity: N jobs wait in Kafka before one worker with a small capacity starts. Every job gets a
 * result, in-flight jobs never exceed the capacity, the member is never evicted (no partition revoked or lost), heap
 * retained after GC stays below 1 GiB and the group commits to the log end. N: {@code -Dflowline.overload.jobs} (default 20,000).
 */
@ExtendWith(KafkaBrokerExtension.class)
class OverloadTest {
    static final int JOBS = Integer.getInteger("flowline.overload.jobs", 20_000);
    static final long HEAP_BOUND = 1L << 30; // 1 GiB: a bound, not a measurement

    @Test
    void aBurstFarAboveCapacityRunsToTheEndWithinCapacityAndBoundedHeap(KafkaCluster kafka) throws Exception {
        try (WorkerTestKit kit = new WorkerTestKit(kafka, 4)) {
            var results = kit.results();
            long p0 = System.nanoTime();
            for (int from = 0; from < JOBS; from += 1000) {
                int to = Math.min(JOBS, from + 1000);
                kit.sendAll(IntStream.range(from, to).mapToObj(i -> request("ol-" + i)
                        .setSampler(sampler("euler", 1 + i % 2).build()).build()).toList());
            }
            long produceMs = (System.nanoTime() - p0) / 1_000_000;

            WorkerConfig cfg = kit.config("w-overload");
            int capacity = 32;
            cfg = cfg.withBatching(cfg.batching().withMaxJobsInFlight(capacity))
                    .withKafka(cfg.kafka().withMaxOutstandingPerPartition(16).withMaxDeliveries(Integer.getInteger("flowline.overload.maxDeliveries", 5)));
            Runtime rt = Runtime.getRuntime();
            AtomicInteger maxInFlight = new AtomicInteger();
            AtomicInteger maxPaused = new AtomicInteger();
            AtomicLong maxHeap = new AtomicLong();
            AtomicLong maxAfterGc = new AtomicLong();
            List<MemoryPoolMXBean> heapPools = ManagementFactory.getMemoryPoolMXBeans().stream()
                    .filter(p -> p.getType() == MemoryType.HEAP && p.getCollectionUsage() != null).toList();
            AtomicBoolean sampling = new AtomicBoolean(true);
            long t0 = System.nanoTime();
            FlowlineWorker w = kit.start(cfg, kit.registry(0));
            Thread probe = new Thread(() -> {
                while (sampling.get()) {
                    maxInFlight.accumulateAndGet(w.jobsInFlight(), Math::max);
                    maxPaused.accumulateAndGet(w.metrics().pausedPartitions(), Math::max);
                    maxHeap.accumulateAndGet(rt.totalMemory() - rt.freeMemory(), Math::max);
                    // heap still used right after the last collection of each pool: what is retained, not garbage
                    maxAfterGc.accumulateAndGet(heapPools.stream().mapToLong(p -> p.getCollectionUsage().getUsed()).sum(), Math::max);
                    try {
                        Thread.sleep(1);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "overload-probe");
            probe.start();
            try {
                await(Duration.ofSeconds(180), JOBS + " results", () -> WorkerTestKit.jobIds(results.records).size() >= JOBS);
            } finally {
                sampling.set(false);
                probe.join();
            }
            long runMs = (System.nanoTime() - t0) / 1_000_000;

            Set<String> got = WorkerTestKit.jobIds(results.records);
            List<String> missing = IntStream.range(0, JOBS).mapToObj(i -> "ol-" + i).filter(id -> !got.contains(id)).toList();
            assertThat(missing).as("job ids without a result").isEmpty();
            assertThat(results.undecodable).isEmpty();
            assertThat(results.records).allSatisfy(r -> assertThat(r.getStatus()).isEqualTo(JobStatus.SUCCEEDED));
            assertThat(maxInFlight.get()).as("jobs in flight").isBetween(1, capacity);
            assertThat(maxPaused.get()).as("partitions paused by backpressure").isPositive();
            assertThat(w.metrics().partitionsRemoved()).as("partitions revoked or lost during the burst").isZero();
            // the bound is on the heap retained after GC (the raw figure includes uncollected garbage and depends on the GC)
            assertThat(maxAfterGc.get()).as("max heap retained after GC (bytes)").isLessThan(HEAP_BOUND);
            await(Duration.ofSeconds(15), "committed offsets at the log end", () -> kit.lag() == 0);
            w.drain().get(30, TimeUnit.SECONDS);
            assertThat(kit.lag()).isZero();
            System.out.printf("overload: N=%d jobs, capacity %d, produced in %d ms, all results in %d ms (%.0f jobs/s), "
                            + "max in flight %d, max heap used %d MB (after GC %d MB, -Xmx %d MB), duplicates %d%n",
                    JOBS, capacity, produceMs, runMs, JOBS * 1000.0 / runMs, maxInFlight.get(), maxHeap.get() >> 20, maxAfterGc.get() >> 20, rt.maxMemory() >> 20,
                    results.records.size() - got.size());
        }
    }
}
