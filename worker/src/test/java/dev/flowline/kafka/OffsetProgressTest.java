package dev.flowline.kafka;

import dev.flowline.kafka.offsets.OffsetEncoding;
import dev.flowline.kafka.offsets.PartitionProgress;
import dev.flowline.kafka.offsets.ProgressCodec;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The tracker's progress beyond the commit offset, handed from one owner to the next through the codec, with no
 * Kafka: what the first owner finished the second skips, and deliveries it started count for the second.
 */
class OffsetProgressTest {
    private static final TopicPartition P0 = new TopicPartition("jobs", 0);

    /** Owner A receives 0..9, finishes 1, 2, 5, 8 and 9, starts 0 and 3; then crashes after committing. */
    private static OffsetTracker ownerA() {
        OffsetTracker a = new OffsetTracker(100);
        long g = a.assign(P0);
        for (long o = 0; o < 10; o++) assertThat(a.received(P0, o)).isTrue();
        a.attempted(P0, g, 0);
        a.attempted(P0, g, 3);
        for (long o : new long[]{1, 2, 5, 8, 9}) a.done(P0, g, o);
        return a;
    }

    @ParameterizedTest
    @EnumSource(OffsetEncoding.class)
    void theNextOwnerSkipsExactlyTheRecordsAnEarlierOwnerFinished(OffsetEncoding encoding) {
        OffsetTracker a = ownerA();
        OffsetTracker.Commit c = a.commits(false).get(P0);
        assertThat(c.offset()).isZero();
        String metadata = ProgressCodec.encode(c.progress(), encoding);

        OffsetTracker b = new OffsetTracker(100);
        PartitionProgress inherited = ((ProgressCodec.Read.Progress) ProgressCodec.decode(metadata, c.offset())).progress();
        long g = b.assign(P0, inherited);
        List<Long> run = new ArrayList<>();
        for (long o = 0; o < 12; o++) if (b.received(P0, o)) run.add(o);
        assertThat(run).as("re-executions by the new owner").containsExactly(0L, 3L, 4L, 6L, 7L, 10L, 11L);
        assertThat(b.earlierDeliveries(P0, 0)).isEqualTo(1);
        assertThat(b.earlierDeliveries(P0, 3)).isEqualTo(1);
        assertThat(b.earlierDeliveries(P0, 4)).isZero();
        for (long o : run) b.done(P0, g, o);
        assertThat(b.commits(false).get(P0).offset()).as("all done: commit past everything").isEqualTo(12);
        assertThat(b.commits(false).get(P0).progress().isEmpty()).isTrue();
    }

    @Test
    void aCrashCountsTheDeliveryButAGracefulStopDoesNot() {
        OffsetTracker a = ownerA();
        assertThat(a.commits(false).get(P0).progress().attempts()).isEqualTo(Map.of(0L, 1, 3L, 1));
        assertThat(a.commits(true).get(P0).progress().attempts()).as("clean: abandoned, not crashed").isEmpty();

        // a second owner inherits one delivery of offset 0 and starts another: the third owner sees two
        OffsetTracker b = new OffsetTracker(100);
        long g = b.assign(P0, a.commits(false).get(P0).progress());
        b.received(P0, 0);
        b.attempted(P0, g, 0);
        assertThat(b.commits(false).get(P0).progress().attempts(0)).isEqualTo(2);
        assertThat(b.commits(true).get(P0).progress().attempts(0)).as("clean keeps the inherited count").isEqualTo(1);
    }

    @Test
    void progressNotYetReceivedIsCarriedForwardInTheNextCommit() {
        OffsetTracker a = ownerA();
        OffsetTracker b = new OffsetTracker(100);
        b.assign(P0, a.commits(false).get(P0).progress());
        // nothing received yet: a commit still carries what A knew, at A's offset
        OffsetTracker.Commit c = b.commits(false).get(P0);
        assertThat(c.offset()).isZero();
        assertThat(c.progress().doneAbove()).isEqualTo(a.commits(false).get(P0).progress().doneAbove());
        assertThat(c.progress().attempts()).isEqualTo(Map.of(0L, 1, 3L, 1));
    }

    @Test
    void aCompletionAboveTheWatermarkIsAChangeToCommitEvenThoughTheOffsetStays() {
        OffsetTracker t = new OffsetTracker(100);
        long g = t.assign(P0);
        t.received(P0, 0);
        t.received(P0, 1);
        OffsetTracker.Commit first = t.commits(false).get(P0);
        t.committed(P0, first);
        assertThat(t.commits(false)).isEmpty();
        t.done(P0, g, 1);
        OffsetTracker.Commit second = t.commits(false).get(P0);
        assertThat(second.offset()).isZero();
        assertThat(second.progress().isDone(1)).isTrue();
        t.committed(P0, second);
        assertThat(t.commits(false)).isEmpty();
    }
}
