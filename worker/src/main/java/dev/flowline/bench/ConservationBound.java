package dev.flowline.bench;

import dev.flowline.batching.BatchingMode;
import dev.flowline.batching.JobStatus;

/**
 * The yardstick for ordering policies where rows cost about the same batched or not (a CPU): Kleinrock's conservation
 * law. The device is then one server whose work is rows, and for orders that finish a started job before the next
 * the load-weighted mean wait is the same: an order can shorten one kind's wait only by lengthening another's. The
 * reference point is first-come-first-served by job on an ideal device, each job alone at the device's best rows per
 * second (Lindley's recursion over the very same trace): every kind waits alike there, and no real call is faster.
 * How close a policy's weighted latency and per-kind tails come to it is what the README shows.
 */
final class ConservationBound {
    private ConservationBound() {}

    /**
     * FCFS by job over {@code trace}: each job starts when it arrives or when the previous one ends, whichever is
     * later, and takes {@code workMs} of its kind; SLO attainment is judged against {@code sloServiceMs} as for the
     * other modes.
     */
    static OpenLoop.ModeResult fcfsByJob(ArrivalTrace trace, WorkloadMix mix, double[] workMs, double[] sloServiceMs) {
        int n = trace.size();
        long[] doneAt = new long[n];
        long[] queued = new long[n];
        long[] sampling = new long[n];
        JobStatus[] status = new JobStatus[n];
        long free = 0;
        for (int i = 0; i < n; i++) {
            ArrivalTrace.Arrival a = trace.arrivals().get(i);
            long start = Math.max(a.atNanos(), free);
            long service = Math.round(workMs[a.mixEntry()] * 1e6);
            free = start + service;
            doneAt[i] = free;
            queued[i] = start - a.atNanos();
            sampling[i] = service;
            status[i] = JobStatus.SUCCEEDED;
        }
        return OpenLoop.summarise(BatchingMode.NONE, trace, mix, doneAt, status, queued, sampling, 0, 0, 0,
                Math.max(free, 1), sloServiceMs);
    }

    /** Each kind's work on the ideal device: its rows at {@code capacityRowsPerSecond}. */
    static double[] workMs(WorkloadMix mix, boolean guidance, double capacityRowsPerSecond) {
        double[] ms = new double[mix.entries().size()];
        for (int k = 0; k < ms.length; k++) {
            WorkloadMix.Entry e = mix.entries().get(k);
            int rows = e.solver().method().evaluations(e.steps()) * (guidance && e.guided() ? 2 : 1) * e.samples();
            ms[k] = rows * 1e3 / capacityRowsPerSecond;
        }
        return ms;
    }

    /**
     * The load-weighted mean latency of a replay, {@code Σ_k n_k·w_k·T_k / Σ_k n_k·w_k}, with {@code T_k} the kind's
     * mean latency and {@code w_k} its work: the kinds counted by the share of the load they bring.
     */
    static double weightedMeanLatencyMs(OpenLoop.ModeResult m, double[] workMs) {
        double work = 0, weighted = 0;
        for (int k = 0; k < workMs.length; k++) {
            OpenLoop.KindLatency kind = m.byKind().get(k);
            if (kind.jobs() == 0) continue;
            double w = kind.jobs() * workMs[k];
            work += w;
            weighted += w * kind.meanMs();
        }
        return work == 0 ? Double.NaN : weighted / work;
    }
}
