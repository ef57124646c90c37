package dev.flowline.demo;

import dev.flowline.avro.Conditioning;
import dev.flowline.avro.GenerationRequest;
import dev.flowline.avro.GenerationResult;
import dev.flowline.avro.SamplerSpec;
import dev.flowline.bench.ArrivalTrace;
import dev.flowline.bench.WorkloadMix;
import dev.flowline.demo.report.LatencyStats;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * An open-loop load run: jobs arrive on a Poisson trace regardless of how fast results come back (a closed loop
 * would hide queueing), latency is submit-to-result as the client sees it.
 */
final class LoadRun {
    private record Pending(long submittedNanos, String mix) {}

    private final FlowlineClient client;
    private final String model;
    private final WorkloadMix mix;
    private final int samplesPerJob;
    private final long seed;

    final LatencyStats latency = new LatencyStats();
    final Map<String, LatencyStats> latencyByMix = new TreeMap<>();
    final Map<String, Integer> byStatus = new TreeMap<>();
    int submitted;
    int completed;
    double elapsedSeconds;
    double meanBatchRowsSum;

    /**
     * @param samplesPerJob samples of every job (overrides the mix entries' own), or 0 to keep them
     */
    LoadRun(FlowlineClient client, String model, WorkloadMix mix, int samplesPerJob, long seed) {
        this.client = client;
        this.model = model;
        this.mix = mix;
        this.samplesPerJob = samplesPerJob;
        this.seed = seed;
    }

    /** Submits on the trace, collects results until all are in or {@code drainTimeout} after the last submit. */
    void run(double rate, double durationSeconds, Duration drainTimeout) throws InterruptedException {
        // The same trace generator and mix as `flowline-worker bench batching`, so the two runs are comparable.
        ArrivalTrace trace = ArrivalTrace.poisson(seed, rate, durationSeconds, mix, 10);
        Map<String, Pending> pending = new ConcurrentHashMap<>();
        AtomicInteger sent = new AtomicInteger();
        long start = System.nanoTime();
        Thread submitter = Thread.ofPlatform().name("load-submitter").start(() -> {
            for (ArrivalTrace.Arrival a : trace.arrivals()) {
                long due = start + a.atNanos();
                long wait;
                while ((wait = due - System.nanoTime()) > 0) LockSupport.parkNanos(wait);
                WorkloadMix.Entry e = mix.entries().get(a.mixEntry());
                GenerationRequest job = request("load-" + seed + "-" + a.index(), e, a.label(), a.seed());
                pending.put(job.getJobId(), new Pending(System.nanoTime(), e.name()));
                client.submit(job).whenComplete((md, err) -> {
                    if (err != null) System.err.println("submit failed for " + job.getJobId() + ": " + err);
                });
                sent.incrementAndGet();
            }
        });
        long lastResult = start;
        long drainUntil = Long.MAX_VALUE;
        while (true) {
            long now = System.nanoTime();
            if (!submitter.isAlive() && drainUntil == Long.MAX_VALUE) drainUntil = now + drainTimeout.toNanos();
            if (!submitter.isAlive() && completed >= sent.get()) break;
            if (now > drainUntil) break;
            int before = completed;
            client.pollResults(Duration.ofMillis(100), r -> {
                Pending p = pending.remove(r.getJobId());
                if (p == null) return; // not ours (another run's result on a shared topic)
                double ms = (System.nanoTime() - p.submittedNanos()) / 1e6;
                record(r, p.mix(), ms);
            }, bad -> System.err.println("undecodable result " + bad));
            if (completed > before) lastResult = System.nanoTime();
        }
        submitter.join();
        submitted = sent.get();
        elapsedSeconds = (lastResult - start) / 1e9;
    }

    private GenerationRequest request(String jobId, WorkloadMix.Entry e, int label, long jobSeed) {
        return GenerationRequest.newBuilder()
                .setJobId(jobId)
                .setModel(model)
                .setNumSamples(samplesPerJob > 0 ? samplesPerJob : e.samples())
                .setConditioning(label < 0 ? null : Conditioning.newBuilder().setClassLabel(label).build())
                .setSampler(SamplerSpec.newBuilder().setSolver(e.solver().id())
                        .setSteps(e.steps()).setGuidanceScale(e.guidanceScale()).build())
                .setSeed(jobSeed)
                .setMetadata(Map.of("mix", e.name()))
                .build();
    }

    private void record(GenerationResult r, String mixName, double ms) {
        completed++;
        byStatus.merge(r.getStatus().name(), 1, Integer::sum);
        latency.record(ms);
        latencyByMix.computeIfAbsent(mixName, k -> new LatencyStats()).record(ms);
        meanBatchRowsSum += r.getBatchStats().getMeanBatchRows();
    }

    double jobsPerSecond() {
        return elapsedSeconds <= 0 ? 0 : completed / elapsedSeconds;
    }

    Map<String, Object> figures(double offeredRate, double durationSeconds) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("offered_rate_jobs_per_s", offeredRate);
        m.put("duration_s", durationSeconds);
        m.put("submitted", submitted);
        m.put("completed", completed);
        m.put("lost_or_late", submitted - completed);
        m.put("by_status", byStatus);
        m.putAll(latency.summary());
        m.put("jobs_per_s", jobsPerSecond());
        m.put("mean_batch_rows", completed == 0 ? 0 : meanBatchRowsSum / completed);
        Map<String, Object> perMix = new LinkedHashMap<>();
        latencyByMix.forEach((k, v) -> perMix.put(k, v.summary()));
        m.put("by_mix", perMix);
        return m;
    }
}
