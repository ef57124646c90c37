package dev.flowline.bench;

import dev.flowline.batching.BatchingMode;
import dev.flowline.batching.JobStatus;

/**
 * The yardstick for ordering policies where a row costs the same batched or not (a CPU): Kleinrock's conservation
 * law. The device is then one server whose work is rows, every work-conserving order leaves the same unfinished work
 * at every instant, and so the load-weighted mean wait {@code Σ_k ρ_k·W_k / ρ} is the same for all of them: an order
 * can shorten one kind's wait only by lengthening another's. First-come-first-served by job, each job alone on the
 * device at its unloaded service time (Lindley's recursion over the very same trace), is the reference point that
 * treats every kind alike; how close a policy's weighted wait and per-kind tails come to it is what the README shows.
 *
 * <p>Service here is a job alone; a batching scheduler may do slightly better where the curve gives a little back
 * for larger calls, which is why a policy can land a few percent under the bound.
 */
final class ConservationBound {
    private ConservationBound() {}

    /** FCFS by job over {@code trace}: each job starts when it arrives or when the previous one ends, whichever is later. */
    static OpenLoop.ModeResult fcfsByJob(ArrivalTrace trace, WorkloadMix mix, double[] serviceMs) {
        int n = trace.size();
        long[] doneAt = new long[n];
        long[] queued = new long[n];
        long[] sampling = new long[n];
        JobStatus[] status = new JobStatus[n];
        long free = 0;
        for (int i = 0; i < n; i++) {
            ArrivalTrace.Arrival a = trace.arrivals().get(i);
            long start = Math.max(a.atNanos(), free);
            long service = Math.round(serviceMs[a.mixEntry()] * 1e6);
            free = start + service;
            doneAt[i] = free;
            queued[i] = start - a.atNanos();
            sampling[i] = service;
            status[i] = JobStatus.SUCCEEDED;
        }
        return OpenLoop.summarise(BatchingMode.NONE, trace, mix, doneAt, status, queued, sampling, 0, 0, 0,
                Math.max(free, 1), serviceMs);
    }

    /**
     * The load-weighted mean wait of a replay: {@code Σ_k n_k·S_k·(T_k − S_k) / Σ_k n_k·S_k}, with {@code T_k} the
     * kind's mean latency and {@code S_k} its unloaded service time. Conserved across work-conserving orders.
     */
    static double weightedMeanWaitMs(OpenLoop.ModeResult m, double[] serviceMs) {
        double work = 0, weighted = 0;
        for (int k = 0; k < serviceMs.length; k++) {
            OpenLoop.KindLatency kind = m.byKind().get(k);
            if (kind.jobs() == 0) continue;
            double w = kind.jobs() * serviceMs[k];
            work += w;
            weighted += w * (kind.meanMs() - serviceMs[k]);
        }
        return work == 0 ? Double.NaN : weighted / work;
    }
}
