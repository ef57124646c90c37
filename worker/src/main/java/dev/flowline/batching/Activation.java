package dev.flowline.batching;

import java.util.ArrayList;
import java.util.List;

/**
 * Which queued jobs join the active set now, per batching mode. Pure: reads the queue and the active counts,
 * returns a decision.
 * <ul>
 * <li>CONTINUOUS: in queue order while their samples fit under {@code maxActiveSamples} (a job larger than that
 *     runs alone) and the {@link Guard} lets them start. No job overtakes the head of the queue, so a large job is
 *     never starved by small ones.</li>
 * <li>REQUEST: only when no job is active, the head of the queue and the queued jobs of the same key and sampler
 *     shape, up to {@code maxBatchRows} rows of one evaluation; an under-full set waits until the head has waited
 *     {@code maxDelay}, while more jobs can still arrive. The set then runs to completion; arrivals wait.</li>
 * <li>NONE: the head of the queue, only when no job is active.</li>
 * </ul>
 */
final class Activation {
    private Activation() {}

    /** Jobs to activate now, or none and the time at which to decide again (Long.MAX_VALUE: on the next event). */
    record Decision(List<JobRun> activate, long waitUntilNanos) {
        static final Decision NOTHING = new Decision(List.of(), Long.MAX_VALUE);
    }

    /** Whether a queued job may start now (deadline-first admission holds some back). */
    interface Guard {
        Guard NONE = run -> true;

        boolean mayStart(JobRun run);
    }

    static Decision decide(SchedulerOptions o, AdmissionQueue queue, int activeJobs, int activeSamples,
                           boolean moreCanArrive, long now, Guard guard) {
        if (queue.isEmpty()) return Decision.NOTHING;
        return switch (o.mode()) {
            case CONTINUOUS -> continuous(o, queue, activeSamples, now, guard);
            case REQUEST -> activeJobs > 0 ? Decision.NOTHING : request(o, queue, moreCanArrive, now);
            case NONE -> activeJobs > 0 ? Decision.NOTHING : new Decision(List.of(queue.best(now)), Long.MAX_VALUE);
        };
    }

    private static Decision continuous(SchedulerOptions o, AdmissionQueue queue, int activeSamples, long now, Guard guard) {
        if (activeSamples >= o.maxActiveSamples()) return Decision.NOTHING;
        JobRun head = queue.best(now); // one linear pass; the queue is only sorted when its head gets in
        if (activeSamples > 0 && activeSamples + head.samples() > o.maxActiveSamples()) return Decision.NOTHING;
        List<JobRun> take = new ArrayList<>();
        int samples = activeSamples;
        for (JobRun r : queue.ordered(now)) {
            if (samples > 0 && samples + r.samples() > o.maxActiveSamples()) break;
            if (!guard.mayStart(r)) break;
            take.add(r);
            samples += r.samples();
        }
        return new Decision(take, Long.MAX_VALUE);
    }

    private static Decision request(SchedulerOptions o, AdmissionQueue queue, boolean moreCanArrive, long now) {
        List<JobRun> ordered = queue.ordered(now);
        JobRun head = ordered.get(0);
        List<JobRun> take = new ArrayList<>();
        take.add(head);
        int rows = head.samples() * head.rowsPerEvaluation;
        int samples = head.samples();
        for (JobRun r : ordered.subList(1, ordered.size())) {
            if (rows >= o.maxBatchRows()) break;
            int more = r.samples() * r.rowsPerEvaluation;
            if (!r.shapeSignature.equals(head.shapeSignature) || rows + more > o.maxBatchRows()
                    || samples + r.samples() > o.maxActiveSamples()) continue;
            take.add(r);
            rows += more;
            samples += r.samples();
        }
        long windowEnd = saturatedAdd(head.admittedNanos, o.maxDelayMicros() * 1_000L);
        if (rows < o.maxBatchRows() && samples < o.maxActiveSamples() && moreCanArrive && now < windowEnd) return new Decision(List.of(), windowEnd);
        return new Decision(take, Long.MAX_VALUE);
    }

    static long saturatedAdd(long a, long b) {
        long r = a + b;
        return ((a ^ r) & (b ^ r)) < 0 ? Long.MAX_VALUE : r;
    }
}
