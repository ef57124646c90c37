package dev.flowline.kafka;

import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * The jobs consumer, with two additions Vert.x's wrapper cannot make:
 * <ul>
 *   <li><b>A synchronous revoke hook.</b> Vert.x's {@code partitionsRevokedHandler} runs on the event loop
 *   <i>after</i> the consumer has returned from its rebalance callback, i.e. after the partitions were handed
 *   over: a commit there is too late. The hook here runs inside the callback on the consumer's thread, before
 *   the hand-over: it lets in-flight jobs finish for a short grace, and the offsets it returns are committed
 *   right there with {@code commitSync}. Lost partitions (session expired) get no commit.</li>
 *   <li><b>Commits of owned partitions only.</b> Every Vert.x commit runs {@code commitSync} on this
 *   thread; a commit computed before a revoke but run after it is filtered to the current assignment, so it
 *   can never move a partition that another member now owns back to an older offset.</li>
 * </ul>
 * Everything runs on the single consumer thread Vert.x gives this consumer, so {@code assignment()} is exact.
 */
final class RevokeAwareConsumer extends KafkaConsumer<String, byte[]> {
    private static final Logger log = LoggerFactory.getLogger(RevokeAwareConsumer.class);

    /** Called on the consumer thread inside the rebalance callback. */
    interface RevokeHook {
        /** The partitions are being revoked: finish what can be finished and return the offsets to commit. */
        Map<TopicPartition, OffsetAndMetadata> revoking(Set<TopicPartition> partitions);

        /** The partitions were lost (no commit is possible any more). */
        void lost(Set<TopicPartition> partitions);

        /**
         * The partitions were assigned; {@code committed} holds the group's committed offset and metadata of each
         * (absent: none), read before any of their records is returned, so the hook can prepare what earlier owners
         * recorded. Called before the wrapper's own assigned handler is dispatched.
         */
        default void assigned(Map<TopicPartition, OffsetAndMetadata> committed) {}
    }

    /** How long the assignment callback waits for the committed offsets; on timeout, no metadata is used. */
    private static final Duration COMMITTED_TIMEOUT = Duration.ofSeconds(10);

    private final RevokeHook hook;

    RevokeAwareConsumer(Map<String, Object> props, RevokeHook hook) {
        super(props);
        this.hook = hook;
    }

    @Override
    public void subscribe(Collection<String> topics, ConsumerRebalanceListener listener) {
        super.subscribe(topics, new HookedListener(this, hook, listener));
    }

    @Override
    public void commitSync(Map<TopicPartition, OffsetAndMetadata> offsets) {
        Map<TopicPartition, OffsetAndMetadata> owned = owned(offsets);
        if (!owned.isEmpty()) super.commitSync(owned);
    }

    @Override
    public void commitSync(Map<TopicPartition, OffsetAndMetadata> offsets, Duration timeout) {
        Map<TopicPartition, OffsetAndMetadata> owned = owned(offsets);
        if (!owned.isEmpty()) super.commitSync(owned, timeout);
    }

    private Map<TopicPartition, OffsetAndMetadata> owned(Map<TopicPartition, OffsetAndMetadata> offsets) {
        Set<TopicPartition> assignment = assignment();
        Map<TopicPartition, OffsetAndMetadata> owned = new HashMap<>();
        offsets.forEach((tp, o) -> {
            if (assignment.contains(tp)) owned.put(tp, o);
        });
        return owned;
    }

    /**
     * The rebalance listener that runs the hook on the consumer's thread; usable around any {@code Consumer} (the
     * component tests put it around Kafka's {@code MockConsumer}).
     */
    static final class HookedListener implements ConsumerRebalanceListener {
        private final org.apache.kafka.clients.consumer.Consumer<String, byte[]> consumer;
        private final RevokeHook hook;
        private final ConsumerRebalanceListener delegate;

        HookedListener(org.apache.kafka.clients.consumer.Consumer<String, byte[]> consumer, RevokeHook hook, ConsumerRebalanceListener delegate) {
            this.consumer = consumer;
            this.hook = hook;
            this.delegate = delegate;
        }

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            if (!partitions.isEmpty()) {
                try {
                    Map<TopicPartition, OffsetAndMetadata> offsets = hook.revoking(Set.copyOf(partitions));
                    if (!offsets.isEmpty()) {
                        // still owned here: the callback runs before the hand-over
                        consumer.commitSync(offsets);
                        log.debug("committed {} on revoke", offsets);
                    }
                } catch (RuntimeException e) {
                    log.warn("commit on revoke of {} failed (records after the last commit are redelivered): {}", partitions, e.toString());
                }
            }
            delegate.onPartitionsRevoked(partitions);
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            if (!partitions.isEmpty()) {
                try {
                    hook.lost(Set.copyOf(partitions));
                } catch (RuntimeException e) {
                    log.warn("handling lost partitions {} failed: {}", partitions, e.toString());
                }
            }
            delegate.onPartitionsLost(partitions);
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            if (!partitions.isEmpty()) {
                Map<TopicPartition, OffsetAndMetadata> committed = Map.of();
                try {
                    Map<TopicPartition, OffsetAndMetadata> c = consumer.committed(Set.copyOf(partitions), COMMITTED_TIMEOUT);
                    committed = new HashMap<>();
                    for (Map.Entry<TopicPartition, OffsetAndMetadata> e : c.entrySet()) {
                        if (e.getValue() != null) committed.put(e.getKey(), e.getValue());
                    }
                } catch (RuntimeException e) {
                    log.warn("reading the committed offsets of {} failed (earlier owners' progress is not used): {}", partitions, e.toString());
                }
                try {
                    hook.assigned(committed);
                } catch (RuntimeException e) {
                    log.warn("handling the assignment of {} failed: {}", partitions, e.toString());
                }
            }
            delegate.onPartitionsAssigned(partitions);
        }
    }
}
