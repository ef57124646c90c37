package dev.flowline.kafka;

import org.apache.kafka.clients.consumer.AcknowledgeType;
import org.apache.kafka.common.TopicPartition;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The records a share consumer holds (acquired, not yet acknowledged) and what each is waiting for. Broker-free: the
 * share intake's consumer thread feeds it what {@code poll} returned and what finished, and asks it what to
 * acknowledge, what to renew and whether it may poll.
 *
 * <p>Why a state machine: in explicit acknowledgement mode (kafka-clients 4.3.1) {@code poll} throws unless every
 * record of the previous poll was acknowledged, and a record acknowledged {@code RENEW} leaves the consumer's batch
 * until the next {@code poll} returns it again (acknowledging it before that throws). So a record is
 * <ul>
 *   <li>{@code HELD}: acquired, its job not finished; it blocks the next poll;</li>
 *   <li>{@code RENEWING}: acknowledged {@code RENEW}; the next poll returns it (lock extended) and it is held again.
 *       If its job finishes meanwhile, the final acknowledgement waits for it to come back;</li>
 *   <li>finished: its final type ({@code ACCEPT}, {@code REJECT}, {@code RELEASE}) is handed out by {@link #takeAcks}
 *       once, then the record is forgotten.</li>
 * </ul>
 * A lock renewal covers every held record at once: they all came from one poll, so their locks expire together, and
 * renewing only some would leave the others blocking the poll that brings the renewed ones back.
 *
 * <p>Not thread-safe: confined to the thread that owns the consumer.
 */
final class ShareDeliveries {

    /** A record's identity within the share group. */
    record Key(TopicPartition partition, long offset) {
        @Override
        public String toString() {
            return partition + "@" + offset;
        }
    }

    /** An acknowledgement to give the consumer. */
    record Ack(Key key, AcknowledgeType type) {}

    private enum State { HELD, RENEWING }

    private static final class Entry {
        State state = State.HELD;
        /** When the lock was last acquired or renewed (ms, the caller's clock). */
        long lockedAt;
        /** A final type decided while {@code RENEWING}: handed out once the record is back. */
        AcknowledgeType pendingFinal;

        Entry(long now) {
            lockedAt = now;
        }
    }

    private final int maxDeliveries;
    private final Map<Key, Entry> entries = new LinkedHashMap<>();
    private final List<Ack> ready = new ArrayList<>();
    private long lockMillis;

    /**
     * @param maxDeliveries {@code kafka.maxDeliveries}; 0 = no limit of ours (the broker's delivery count limit still applies)
     * @param lockMillis    the acquisition lock duration until the consumer reports the group's
     */
    ShareDeliveries(int maxDeliveries, long lockMillis) {
        this.maxDeliveries = maxDeliveries;
        this.lockMillis = lockMillis;
    }

    /** The group's acquisition lock duration, as the consumer reports it after a poll. */
    void lockDuration(long millis) {
        if (millis > 0) lockMillis = millis;
    }

    long lockDuration() {
        return lockMillis;
    }

    /**
     * Records a poll returned: renewed ones are held again (their final acknowledgement, if decided meanwhile, becomes
     * ready); the others are new and returned, in order, for the caller to run.
     */
    List<Key> polled(List<Key> records, long now) {
        List<Key> fresh = new ArrayList<>();
        for (Key k : records) {
            Entry e = entries.get(k);
            if (e == null) {
                entries.put(k, new Entry(now));
                fresh.add(k);
            } else {
                e.state = State.HELD;
                e.lockedAt = now;
                if (e.pendingFinal != null) {
                    entries.remove(k);
                    ready.add(new Ack(k, e.pendingFinal));
                }
            }
        }
        return fresh;
    }

    /**
     * Whether a record delivered {@code deliveryCount} times is beyond {@code kafka.maxDeliveries}: it is then
     * dead-lettered {@code MAX_DELIVERIES} and acknowledged {@code REJECT} instead of run again.
     */
    boolean exceedsMaxDeliveries(Optional<Short> deliveryCount) {
        return maxDeliveries > 0 && deliveryCount.isPresent() && deliveryCount.get() > maxDeliveries;
    }

    /**
     * The record's work ended: {@code ACCEPT} once its result or dead letter was acked, {@code REJECT} once its
     * {@code MAX_DELIVERIES} dead letter was, {@code RELEASE} when it is given back unfinished. Unknown records (a
     * renewal that failed, a second call) are ignored. Returns whether the record was held.
     */
    boolean finish(Key key, AcknowledgeType type) {
        if (type == AcknowledgeType.RENEW) throw new IllegalArgumentException("RENEW is not a final acknowledgement");
        Entry e = entries.get(key);
        if (e == null) return false;
        if (e.state == State.RENEWING) {
            if (e.pendingFinal == null) e.pendingFinal = type;
        } else {
            entries.remove(key);
            ready.add(new Ack(key, type));
        }
        return true;
    }

    /** The final acknowledgements to give the consumer now (each handed out once). */
    List<Ack> takeAcks() {
        List<Ack> out = List.copyOf(ready);
        ready.clear();
        return out;
    }

    /**
     * Records to acknowledge {@code RENEW} now: when a held record has had its lock for half the lock duration or
     * more, every held record (they expire together; see the class comment). They become {@code RENEWING}.
     */
    List<Key> renewDue(long now) {
        boolean due = false;
        for (Entry e : entries.values()) {
            if (e.state == State.HELD && now - e.lockedAt >= lockMillis / 2) {
                due = true;
                break;
            }
        }
        if (!due) return List.of();
        List<Key> out = new ArrayList<>();
        entries.forEach((k, e) -> {
            if (e.state == State.HELD) {
                e.state = State.RENEWING;
                out.add(k);
            }
        });
        return out;
    }

    /**
     * The broker refused acknowledgements of these records (a renewal after the lock expired, a record another member
     * now holds): they are not ours any more, and the broker delivers them again. Returns those that were held here.
     */
    List<Key> lost(List<Key> keys) {
        List<Key> out = new ArrayList<>();
        for (Key k : keys) {
            if (entries.remove(k) != null) out.add(k);
        }
        return out;
    }

    /**
     * Whether {@code poll} may be called: no record blocks it (none held, no acknowledgement waiting to be given).
     * With records renewing, that poll returns them and fetches nothing new.
     */
    boolean mayPoll() {
        if (!ready.isEmpty()) return false;
        for (Entry e : entries.values()) if (e.state == State.HELD) return false;
        return true;
    }

    /** Records renewing (a poll is needed to get them back). */
    int renewing() {
        int n = 0;
        for (Entry e : entries.values()) if (e.state == State.RENEWING) n++;
        return n;
    }

    /** Records held or renewing: acquired here and not finished. */
    int outstanding() {
        return entries.size();
    }

    boolean holds(Key key) {
        return entries.containsKey(key);
    }

    /**
     * Drain: every unfinished record is given back ({@code RELEASE}); renewing ones are released when they come back.
     * Returns how many were released.
     */
    int releaseAll() {
        int n = 0;
        for (var it = entries.entrySet().iterator(); it.hasNext(); ) {
            var en = it.next();
            Entry e = en.getValue();
            if (e.state == State.RENEWING) {
                if (e.pendingFinal == null) {
                    e.pendingFinal = AcknowledgeType.RELEASE;
                    n++;
                }
            } else {
                it.remove();
                ready.add(new Ack(en.getKey(), AcknowledgeType.RELEASE));
                n++;
            }
        }
        return n;
    }
}
