package dev.flowline.kafka;

import org.apache.kafka.common.TopicPartition;

import java.util.HashSet;
import java.util.Set;

/**
 * Which partitions the intake wants paused, and what to tell the consumer to get there. Pure; the intake's context
 * owns it.
 *
 * <p>Everything assigned is paused while the scheduler is full or the worker is stopping; otherwise only the
 * partitions at their outstanding limit. Kafka forgets pauses in a rebalance, so after one the whole wanted set is
 * sent again ({@code reapply}).
 */
final class PausePlan {
    /** Pause and resume calls to make; either may be empty. */
    record Change(Set<TopicPartition> pause, Set<TopicPartition> resume) {
        boolean isEmpty() {
            return pause.isEmpty() && resume.isEmpty();
        }
    }

    /** The pauses as last sent to the consumer. */
    private Set<TopicPartition> applied = Set.of();

    Change update(Set<TopicPartition> assigned, boolean pauseAll, Set<TopicPartition> atLimit, boolean reapply) {
        Set<TopicPartition> want = new HashSet<>();
        if (pauseAll) {
            want.addAll(assigned);
        } else {
            for (TopicPartition tp : atLimit) if (assigned.contains(tp)) want.add(tp);
        }
        Set<TopicPartition> pause = new HashSet<>(want);
        if (!reapply) pause.removeAll(applied);
        Set<TopicPartition> resume = new HashSet<>(applied);
        resume.removeAll(want);
        resume.retainAll(assigned); // partitions no longer assigned need no resume
        applied = Set.copyOf(want);
        return new Change(pause, resume);
    }

    int paused() {
        return applied.size();
    }
}
