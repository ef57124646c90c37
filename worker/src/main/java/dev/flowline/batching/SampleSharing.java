package dev.flowline.batching;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Identical-sample deduplication: a sample whose {@link SampleSlot#dedupKey} equals that of a sample already in
 * flight (same model, conditioning, guidance, sampler, seed and sample index, so the same bytes) does not take model
 * rows. It becomes a <em>follower</em>: its slot adopts the <em>driver</em>'s {@link dev.flowline.sampling.SampleState}
 * object, so progress, results and NFE are read from the one computation, and the core books each of the driver's
 * steps for the followers too. Since a sample's bytes do not depend on which call or step it joins at, a follower
 * may subscribe at any point of the driver's integration.
 *
 * <p>Jobs stay separate: each has its own slots, status and outcome. When a driver's job ends (cancelled, expired,
 * failed elsewhere, abandoned) with the sample unfinished, the first live follower takes the computation over and
 * enters its group as an ordinary slot; the others follow it. A follower's end touches nobody else.
 *
 * <p>The shared computation is scheduled by its driver's job (its priority, rank and deadline); a newcomer of higher
 * priority or earlier deadline takes the lead, so sharing never makes the more urgent job wait at the pace of the
 * other. Guarded by the core's lock, like every slot.
 */
final class SampleSharing {
    private final boolean enabled;
    /** The slot computing each key that is in flight; stale entries are tolerated and replaced. */
    private final Map<String, SampleSlot> drivers = new HashMap<>();
    /** Rows that subscriptions since the last call got without computing them (the driver's rows so far). */
    private long subscribedRows;

    SampleSharing(boolean enabled) {
        this.enabled = enabled;
    }

    /**
     * On activation of {@code s} (its job ACTIVE, the slot unfinished): returns {@code s} when it computes on its own
     * (it is then its key's driver and joins its group), null when it follows an identical in-flight sample (it takes
     * no rows), or the driver it displaced: {@code s}'s job outranks the driver's (higher priority, or an earlier
     * deadline), so {@code s} leads the shared computation from now on and takes the displaced slot's place in the
     * group, so that sharing never slows the more urgent job down to the pace of the less urgent one.
     */
    SampleSlot subscribe(SampleSlot s) {
        if (!enabled || s.dedupKey == null) return s;
        SampleSlot d = drivers.get(s.dedupKey);
        if (d == null || d.done || d.driver != null || d.run.phase != JobRun.Phase.ACTIVE || d.run == s.run) {
            drivers.put(s.dedupKey, s);
            return s;
        }
        s.state = d.state; // the newcomer's own fresh state is dropped: the driver's is the same computation, further on
        s.run.dedupedSamples++;
        subscribedRows += d.rowsDone; // the steps already taken are saved too, not only the ones still ahead
        if (!outranks(s.run, d.run)) {
            s.driver = d;
            if (d.followers == null) d.followers = new ArrayList<>(2);
            d.followers.add(s);
            return null;
        }
        List<SampleSlot> followers = new ArrayList<>(liveFollowers(d));
        followers.add(0, d);
        inherit(s, d, followers);
        d.followers = null;
        return d;
    }

    /** Whether job {@code a} is more urgent than job {@code b} by what every policy honours: priority, then deadline. */
    private static boolean outranks(JobRun a, JobRun b) {
        if (a.job.priority() != b.job.priority()) return a.job.priority() > b.job.priority();
        return a.deadlineNanos < b.deadlineNanos;
    }

    /** {@code next} takes the computation {@code from} had: its pending evaluation, its count, and these followers. */
    private void inherit(SampleSlot next, SampleSlot from, List<SampleSlot> followers) {
        next.driver = null;
        next.rows = from.rows;
        next.readySinceNanos = from.readySinceNanos;
        next.readyOrder = from.readyOrder;
        next.evaluated = from.evaluated;
        next.rowsDone = from.rowsDone;
        next.followers = followers.isEmpty() ? null : new ArrayList<>(followers);
        for (SampleSlot f : followers) f.driver = next;
        if (next.dedupKey != null) drivers.put(next.dedupKey, next);
    }

    /** The live followers of a driver, in subscription order; empty when none. */
    static List<SampleSlot> liveFollowers(SampleSlot d) {
        if (d.followers == null) return List.of();
        List<SampleSlot> out = new ArrayList<>(d.followers.size());
        for (SampleSlot f : d.followers) if (!f.done) out.add(f);
        return out;
    }

    /**
     * The slot that now owns the computation a plan member started: the member itself while it is live, else the
     * follower it was handed to (the model call already advanced the shared state), null when nobody is left.
     */
    static SampleSlot live(SampleSlot member) {
        SampleSlot s = member;
        while (s != null && s.done) s = s.successor;
        return s;
    }

    /**
     * {@code d} just became done because its job ended, its sample unfinished: hands the computation to the first
     * live follower, which inherits the pending evaluation's bookkeeping and must join the group (returned); null
     * when no follower is left.
     */
    SampleSlot handOver(SampleSlot d) {
        List<SampleSlot> live = liveFollowers(d);
        d.followers = null;
        if (live.isEmpty()) {
            release(d);
            return null;
        }
        SampleSlot next = live.get(0);
        inherit(next, d, live.subList(1, live.size()));
        d.successor = next;
        return next;
    }

    /** Rows saved by subscriptions since the last call to this, for the next call's record. */
    long takeSubscribedRows() {
        long r = subscribedRows;
        subscribedRows = 0;
        return r;
    }

    /** {@code s} is done for good: it no longer computes its key. */
    void release(SampleSlot s) {
        if (s.dedupKey != null) drivers.remove(s.dedupKey, s);
    }

    /** Keys being computed (for tests: nothing leaks). */
    int keysInFlight() {
        return drivers.size();
    }
}
