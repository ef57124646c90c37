package dev.flowline.bench;

import dev.flowline.batching.Admission;
import dev.flowline.batching.BatchRecord;
import dev.flowline.batching.BatchingMode;
import dev.flowline.batching.Job;
import dev.flowline.batching.JobOutcome;
import dev.flowline.batching.JobStatus;
import dev.flowline.batching.Scheduler;
import dev.flowline.batching.SchedulerListener;
import dev.flowline.batching.SchedulerOptions;
import dev.flowline.model.LatentDecoder;
import dev.flowline.model.VelocityModel;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Replays an {@link ArrivalTrace} against one batching mode. A job is offered at its arrival time (a full scheduler
 * makes the replay wait and retry, the waiting counting towards the job's latency); latency runs from the scheduled
 * arrival to the completion callback, so a replay that falls behind is not flattered (no coordinated omission).
 *
 * <p>The run is bounded: at {@code trace duration + drainSeconds} after the start the scheduler is closed and jobs
 * still open count as {@code unfinished}. Their age at the cut-off enters the percentiles as a lower bound of their
 * latency, so the percentiles of a run with unfinished jobs are lower bounds themselves ({@code latencyCensored}).
 */
final class OpenLoop {
    private static final long START_LEAD_NANOS = 20_000_000;

    private OpenLoop() {}

    /** What one mode did with the trace; {@code byKind} holds p50 and p99 per mix entry, in the mix's order. */
    record ModeResult(BatchingMode mode, int offered, int completed, int failed, int unfinished, double p50Ms,
                      double p99Ms, double meanMs, double maxMs, double jobsPerSecond, double meanBatchRows,
                      long modelCalls, double meanQueuedMs, double meanSamplingMs, double runSeconds,
                      boolean latencyCensored, List<KindLatency> byKind, double sloAttainment, long decodeCalls,
                      double meanDecodeRows) {
        /** A mode without decode calls (pixel models, simulated devices). */
        ModeResult(BatchingMode mode, int offered, int completed, int failed, int unfinished, double p50Ms, double p99Ms,
                   double meanMs, double maxMs, double jobsPerSecond, double meanBatchRows, long modelCalls,
                   double meanQueuedMs, double meanSamplingMs, double runSeconds, boolean latencyCensored,
                   List<KindLatency> byKind, double sloAttainment) {
            this(mode, offered, completed, failed, unfinished, p50Ms, p99Ms, meanMs, maxMs, jobsPerSecond, meanBatchRows,
                    modelCalls, meanQueuedMs, meanSamplingMs, runSeconds, latencyCensored, byKind, sloAttainment, 0, 0);
        }
    }

    /** Latency of one kind of job (censored like the totals). */
    record KindLatency(String kind, int jobs, double p50Ms, double p99Ms, double meanMs) {
    }

    /** SLO of a job: finished within this many times its own unloaded service time. */
    static final double SLO_FACTOR = 5.0;

    static ModeResult run(VelocityModel model, SchedulerOptions options, BatchingMode mode, ArrivalTrace trace,
                          WorkloadMix mix, double drainSeconds, SchedulerFactory factory) throws InterruptedException {
        return run(model, options, mode, trace, mix, drainSeconds, factory, null);
    }

    /** {@code serviceMs}: each mix entry's unloaded service time, for SLO attainment (null: none). */
    static ModeResult run(VelocityModel model, SchedulerOptions options, BatchingMode mode, ArrivalTrace trace,
                          WorkloadMix mix, double drainSeconds, SchedulerFactory factory, double[] serviceMs)
            throws InterruptedException {
        return run(model, null, options, mode, trace, mix, drainSeconds, factory, serviceMs);
    }

    /**
     * As above; with a {@code decoder} (a latent model's, else null) every job's latents are decoded before it ends,
     * and the decode calls are counted apart from the velocity calls.
     */
    static ModeResult run(VelocityModel model, LatentDecoder decoder, SchedulerOptions options, BatchingMode mode,
                          ArrivalTrace trace, WorkloadMix mix, double drainSeconds, SchedulerFactory factory,
                          double[] serviceMs) throws InterruptedException {
        int n = trace.size();
        long[] doneAt = new long[n];
        JobStatus[] status = new JobStatus[n];
        long[] queued = new long[n];
        long[] sampling = new long[n];
        CountDownLatch allDone = new CountDownLatch(n);
        CallCounts counts = new CallCounts();
        SchedulerListener listener = new SchedulerListener() {
            @Override
            public void onCompleted(JobOutcome outcome) {
                int i = ((ArrivalTrace.Arrival) outcome.job().origin()).index();
                doneAt[i] = System.nanoTime();
                status[i] = outcome.status();
                queued[i] = outcome.queuedNanos();
                sampling[i] = outcome.samplingNanos();
                allDone.countDown();
            }

            @Override
            public void onBatch(BatchRecord batch) {
                counts.add(batch);
            }
        };
        MixJobFactory jobs = new MixJobFactory(model.info(), mix);
        long start;
        long cutoff;
        try (Scheduler scheduler = factory.start(options.withMode(mode), ClosedLoop.provider(model, decoder), listener)) {
            start = System.nanoTime() + START_LEAD_NANOS;
            cutoff = start + (long) ((trace.durationSeconds() + drainSeconds) * 1e9);
            for (ArrivalTrace.Arrival a : trace.arrivals()) {
                long due = start + a.atNanos();
                waitUntil(due);
                if (System.nanoTime() - cutoff >= 0) break;
                Job job = jobs.job(mode.name().toLowerCase() + "-" + a.index(), a.mixEntry(), a.label(), a.seed(), a);
                Admission admission;
                while ((admission = scheduler.offer(job)) == Admission.REJECTED_FULL && System.nanoTime() - cutoff < 0) {
                    LockSupport.parkNanos(200_000);
                }
                if (admission != Admission.ACCEPTED && admission != Admission.REJECTED_FULL) {
                    throw new IllegalStateException("the scheduler refused job " + job.jobId() + ": " + admission);
                }
            }
            allDone.await(Math.max(0, cutoff - System.nanoTime()), TimeUnit.NANOSECONDS);
        }
        CallCounts.Snapshot c = counts.snapshot();
        ModeResult m = summarise(mode, trace, mix, doneAt, status, queued, sampling, c.rows(), c.calls(), start, cutoff, serviceMs);
        if (c.decodeCalls() == 0) return m;
        return new ModeResult(m.mode(), m.offered(), m.completed(), m.failed(), m.unfinished(), m.p50Ms(), m.p99Ms(), m.meanMs(),
                m.maxMs(), m.jobsPerSecond(), m.meanBatchRows(), m.modelCalls(), m.meanQueuedMs(), m.meanSamplingMs(),
                m.runSeconds(), m.latencyCensored(), m.byKind(), m.sloAttainment(), c.decodeCalls(), c.meanDecodeRows());
    }

    /** The figures of one replay; times on any one timeline (wall or virtual), {@code doneAt} absolute. */
    static ModeResult summarise(BatchingMode mode, ArrivalTrace trace, WorkloadMix mix, long[] doneAt, JobStatus[] status,
                                long[] queued, long[] sampling, long rows, long calls, long start, long cutoff,
                                double[] serviceMs) {
        int n = trace.size();
        double[] latencyMs = new double[n];
        double[] finishedMs = new double[n];
        int completed = 0, failed = 0, unfinished = 0, finished = 0;
        double queuedSum = 0, samplingSum = 0;
        long last = start;
        for (int i = 0; i < n; i++) {
            long arrival = start + trace.arrivals().get(i).atNanos();
            if (status[i] == null) {
                unfinished++;
                latencyMs[i] = Math.max(0, cutoff - arrival) / 1e6;
                continue;
            }
            if (status[i] == JobStatus.SUCCEEDED) completed++;
            else failed++;
            latencyMs[i] = (doneAt[i] - arrival) / 1e6;
            finishedMs[finished++] = latencyMs[i];
            queuedSum += queued[i] / 1e6;
            samplingSum += sampling[i] / 1e6;
            last = Math.max(last, doneAt[i]);
        }
        Percentiles all = Percentiles.of(latencyMs);
        List<KindLatency> byKind = new ArrayList<>();
        for (int k = 0; k < mix.entries().size(); k++) {
            int kind = k;
            double[] of = java.util.stream.IntStream.range(0, n).filter(i -> trace.arrivals().get(i).mixEntry() == kind)
                    .mapToDouble(i -> latencyMs[i]).toArray();
            Percentiles p = Percentiles.of(of);
            byKind.add(new KindLatency(mix.entries().get(k).name(), of.length, p.percentile(50), p.percentile(99), p.mean()));
        }
        double slo = Double.NaN;
        if (serviceMs != null && n > 0) {
            int met = 0;
            for (int i = 0; i < n; i++) {
                if (status[i] == JobStatus.SUCCEEDED && latencyMs[i] <= SLO_FACTOR * serviceMs[trace.arrivals().get(i).mixEntry()]) met++;
            }
            slo = met / (double) n;
        }
        Percentiles done = Percentiles.of(Arrays.copyOf(finishedMs, finished));
        long end = unfinished > 0 ? cutoff : last;
        double runSeconds = Math.max(1e-9, (end - start) / 1e9);
        return new ModeResult(mode, n, completed, failed, unfinished, all.percentile(50), all.percentile(99),
                done.mean(), done.max(), completed / runSeconds, calls == 0 ? 0 : rows / (double) calls, calls,
                finished == 0 ? Double.NaN : queuedSum / finished, finished == 0 ? Double.NaN : samplingSum / finished,
                runSeconds, unfinished > 0, byKind, slo);
    }

    private static void waitUntil(long deadline) {
        long left;
        while ((left = deadline - System.nanoTime()) > 0) LockSupport.parkNanos(Math.min(left, 1_000_000));
    }
}
