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
    }

    private final RevokeHook hook;

    RevokeAwareConsumer(Map<String, Object> props, RevokeHook hook) {
        super(props);
        this.hook = hook;
    }

    @Override
    public void subscribe(Collection<String> topics, ConsumerRebalanceListener listener) {
        super.subscribe(topics, new HookedListener(listener));
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

    private final class HookedListener implements ConsumerRebalanceListener {
        private final ConsumerRebalanceListener delegate;

        HookedListener(ConsumerRebalanceListener delegate) {
            this.delegate = delegate;
        }

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            if (!partitions.isEmpty()) {
                try {
                    Map<TopicPartition, OffsetAndMetadata> offsets = hook.revoking(Set.copyOf(partitions));
                    if (!offsets.isEmpty()) {
                        // still owned here: the callback runs before the hand-over
                        RevokeAwareConsumer.super.commitSync(offsets);
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
            delegate.onPartitionsAssigned(partitions);
        }
    }
}
