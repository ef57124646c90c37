package dev.flowline.kafka;

import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class OffsetTrackerTest {
    private static final TopicPartition P0 = new TopicPartition("jobs", 0);
    private static final TopicPartition P1 = new TopicPartition("jobs", 1);

    @Test
    void nothingToCommitBeforeTheFirstRecord() {
        OffsetTracker t = new OffsetTracker(10);
        t.assign(P0);
        assertThat(t.commitOffset(P0)).isEmpty();
        assertThat(t.toCommit()).isEmpty();
    }

    @Test
    void outOfOrderCompletionsCommitOnlyTheContiguousPrefix() {
        OffsetTracker t = new OffsetTracker(10);
        long g = t.assign(P0);
        for (long o = 0; o < 5; o++) t.received(P0, o);
        assertThat(t.commitOffset(P0)).hasValue(0);

        t.done(P0, g, 2);
        t.done(P0, g, 4);
        assertThat(t.commitOffset(P0)).as("0 is unfinished").hasValue(0);
        t.done(P0, g, 0);
        assertThat(t.commitOffset(P0)).as("1 is unfinished").hasValue(1);
        t.done(P0, g, 1);
        assertThat(t.commitOffset(P0)).as("3 is unfinished").hasValue(3);
        t.done(P0, g, 3);
        assertThat(t.commitOffset(P0)).as("all done: one past the highest").hasValue(5);
    }

    @Test
    void offsetsThatWereNeverReceivedDoNotHoldTheCommitBack() {
        // compacted topics and transaction markers leave gaps in the offsets a consumer sees
        OffsetTracker t = new OffsetTracker(10);
        long g = t.assign(P0);
        t.received(P0, 10);
        t.received(P0, 13);
        t.received(P0, 20);
        t.done(P0, g, 10);
        assertThat(t.commitOffset(P0)).hasValue(13);
        t.done(P0, g, 20);
        assertThat(t.commitOffset(P0)).hasValue(13);
        t.done(P0, g, 13);
        assertThat(t.commitOffset(P0)).hasValue(21);
    }

    @Test
    void toCommitReportsOnlyPartitionsThatMovedSinceTheLastCommit() {
        OffsetTracker t = new OffsetTracker(10);
        long g0 = t.assign(P0);
        long g1 = t.assign(P1);
        t.received(P0, 0);
        t.received(P1, 0);
        t.done(P0, g0, 0);
        assertThat(t.toCommit()).isEqualTo(Map.of(P0, 1L, P1, 0L));
        t.committed(P0, 1);
        t.committed(P1, 0);
        assertThat(t.toCommit()).isEmpty();
        t.done(P1, g1, 0);
        assertThat(t.toCommit()).isEqualTo(Map.of(P1, 1L));
        t.committed(P1, 0); // a late, older commit result never moves the mark back
        t.committed(P1, 1);
        assertThat(t.toCommit()).isEmpty();
    }

    @Test
    void aCompletionAfterRevokeIsIgnoredEvenWhenThePartitionComesBack() {
        OffsetTracker t = new OffsetTracker(10);
        long old = t.assign(P0);
        t.received(P0, 0);
        t.revoke(P0);
        assertThat(t.done(P0, old, 0)).isFalse();
        assertThat(t.isAssigned(P0)).isFalse();

        long fresh = t.assign(P0);
        assertThat(fresh).isNotEqualTo(old);
        t.received(P0, 0);
        assertThat(t.done(P0, old, 0)).as("stale generation").isFalse();
        assertThat(t.commitOffset(P0)).hasValue(0);
        assertThat(t.done(P0, fresh, 0)).isTrue();
        assertThat(t.commitOffset(P0)).hasValue(1);
    }

    @Test
    void aRetainedPartitionKeepsItsStateOnReassign() {
        // cooperative rebalances re-announce partitions the member keeps
        OffsetTracker t = new OffsetTracker(10);
        long g = t.assign(P0);
        t.received(P0, 5);
        assertThat(t.assign(P0)).isEqualTo(g);
        assertThat(t.outstanding(P0)).isEqualTo(1);
    }

    @Test
    void doneTwiceOrForAnUnknownOffsetChangesNothing() {
        OffsetTracker t = new OffsetTracker(10);
        long g = t.assign(P0);
        t.received(P0, 0);
        t.received(P0, 1);
        assertThat(t.done(P0, g, 0)).isTrue();
        assertThat(t.done(P0, g, 0)).isFalse();
        assertThat(t.done(P0, g, 7)).isFalse();
        assertThat(t.commitOffset(P0)).hasValue(1);
    }

    @Test
    void outstandingIsBoundedPerPartitionWithHysteresis() {
        OffsetTracker t = new OffsetTracker(4);
        long g = t.assign(P0);
        t.assign(P1);
        for (long o = 0; o < 4; o++) t.received(P0, o);
        t.received(P1, 0);
        assertThat(t.atLimit(P0)).isTrue();
        assertThat(t.atLimit(P1)).isFalse();
        assertThat(t.outstanding()).isEqualTo(5);
        t.done(P0, g, 3);
        assertThat(t.atLimit(P0)).isFalse();
        assertThat(t.belowResumeMark(P0)).as("3 outstanding of 4").isFalse();
        t.done(P0, g, 1);
        assertThat(t.belowResumeMark(P0)).isTrue();
        assertThat(t.allDone(Set.of(P0))).isFalse();
        t.done(P0, g, 0);
        t.done(P0, g, 2);
        assertThat(t.allDone(Set.of(P0))).isTrue();
    }

    @Test
    void onlyRecordsInProgressKeepAPartitionUnsettled() {
        OffsetTracker t = new OffsetTracker(10);
        long g = t.assign(P0);
        t.received(P0, 0);
        t.received(P0, 1);
        assertThat(t.settled(Set.of(P0))).as("nothing in progress: both wait for the intake").isTrue();
        t.started(P0, g, 1);
        t.started(P0, g + 1, 0); // stale generation: ignored
        t.started(P0, g, 7);     // not received: ignored
        assertThat(t.inProgress(P0)).isEqualTo(1);
        assertThat(t.settled(Set.of(P0))).isFalse();
        t.done(P0, g, 1);
        assertThat(t.settled(Set.of(P0))).isTrue();
        assertThat(t.allDone(Set.of(P0))).as("0 is still unfinished").isFalse();
    }

    @Test
    void receivingOnAnUnassignedPartitionIsABug() {
        OffsetTracker t = new OffsetTracker(4);
        assertThatThrownBy(() -> t.received(P0, 0)).isInstanceOf(IllegalStateException.class).hasMessageContaining("jobs-0");
    }

    @Test
    void randomCompletionOrderNeverCommitsPastAnUnfinishedRecord() {
        Random rnd = new Random(42);
        for (int round = 0; round < 50; round++) {
            OffsetTracker t = new OffsetTracker(1000);
            long g = t.assign(P0);
            List<Long> offsets = new ArrayList<>();
            long o = rnd.nextInt(100);
            for (int i = 0; i < 200; i++) {
                o += 1 + (rnd.nextInt(10) == 0 ? rnd.nextInt(5) : 0); // occasional gaps
                offsets.add(o);
                t.received(P0, o);
            }
            List<Long> order = new ArrayList<>(offsets);
            Collections.shuffle(order, rnd);
            java.util.TreeSet<Long> unfinished = new java.util.TreeSet<>(offsets);
            for (long done : order) {
                t.done(P0, g, done);
                unfinished.remove(done);
                long commit = t.commitOffset(P0).orElseThrow();
                long expected = unfinished.isEmpty() ? offsets.get(offsets.size() - 1) + 1 : unfinished.first();
                assertThat(commit).isEqualTo(expected);
            }
        }
    }
}
