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
 * <p>The shared computation is scheduled by the driver's job (its priority, rank and deadline). Guarded by the core's
 * lock, like every slot.
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
     * On activation of {@code s} (its job ACTIVE, the slot unfinished): makes it follow an identical in-flight sample
     * and returns true, or registers it as that key's driver and returns false (it then needs model rows).
     */
    boolean subscribe(SampleSlot s) {
        if (!enabled || s.dedupKey == null) return false;
        SampleSlot d = drivers.get(s.dedupKey);
        if (d == null || d.done || d.driver != null || d.run.phase != JobRun.Phase.ACTIVE || d.run == s.run) {
            drivers.put(s.dedupKey, s);
            return false;
        }
        s.state = d.state; // the follower's own fresh state is dropped: the driver's is the same computation, further on
        s.driver = d;
        if (d.followers == null) d.followers = new ArrayList<>(2);
        d.followers.add(s);
        s.run.dedupedSamples++;
        subscribedRows += d.rowsDone; // the steps already taken are saved too, not only the ones still ahead
        return true;
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
        next.driver = null;
        next.rows = d.rows;
        next.readySinceNanos = d.readySinceNanos;
        next.readyOrder = d.readyOrder;
        next.evaluated = d.evaluated;
        next.rowsDone = d.rowsDone;
        for (SampleSlot f : live.subList(1, live.size())) {
            f.driver = next;
            if (next.followers == null) next.followers = new ArrayList<>(live.size() - 1);
            next.followers.add(f);
        }
        d.successor = next;
        if (next.dedupKey != null) drivers.put(next.dedupKey, next);
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
