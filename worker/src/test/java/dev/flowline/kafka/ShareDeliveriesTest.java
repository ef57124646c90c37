package dev.flowline.kafka;

import org.apache.kafka.clients.consumer.AcknowledgeType;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The share intake's per-record state, without a broker: acknowledgement timing, renewals, drain, MAX_DELIVERIES. */
class ShareDeliveriesTest {
    private static final TopicPartition TP = new TopicPartition("jobs", 0);

    private static ShareDeliveries.Key k(long offset) {
        return new ShareDeliveries.Key(TP, offset);
    }

    @Test
    void aRecordIsAcknowledgedOnlyWhenItsWorkEndsAndThePollWaitsForAll() {
        ShareDeliveries d = new ShareDeliveries(5, 30_000);
        assertThat(d.polled(List.of(k(0), k(1), k(2)), 0)).containsExactly(k(0), k(1), k(2));
        assertThat(d.takeAcks()).as("nothing finished yet").isEmpty();
        assertThat(d.mayPoll()).as("held records block the next poll").isFalse();

        assertThat(d.finish(k(1), AcknowledgeType.ACCEPT)).isTrue();
        assertThat(d.takeAcks()).containsExactly(new ShareDeliveries.Ack(k(1), AcknowledgeType.ACCEPT));
        assertThat(d.takeAcks()).as("handed out once").isEmpty();
        assertThat(d.mayPoll()).isFalse();

        d.finish(k(0), AcknowledgeType.REJECT);
        d.finish(k(2), AcknowledgeType.ACCEPT);
        assertThat(d.mayPoll()).as("acknowledgements not yet given to the consumer").isFalse();
        assertThat(d.takeAcks()).containsExactly(new ShareDeliveries.Ack(k(0), AcknowledgeType.REJECT),
                new ShareDeliveries.Ack(k(2), AcknowledgeType.ACCEPT));
        assertThat(d.mayPoll()).isTrue();
        assertThat(d.outstanding()).isZero();
        assertThat(d.finish(k(2), AcknowledgeType.ACCEPT)).as("a second completion is ignored").isFalse();
        assertThat(d.takeAcks()).isEmpty();
    }

    @Test
    void heldRecordsAreRenewedTogetherAtHalfTheLockAndFinishAfterTheyComeBack() {
        ShareDeliveries d = new ShareDeliveries(5, 30_000);
        d.lockDuration(10_000);
        d.polled(List.of(k(0), k(1), k(2)), 1_000);
        d.finish(k(2), AcknowledgeType.ACCEPT);
        d.takeAcks();
        assertThat(d.renewDue(5_999)).as("before half the lock").isEmpty();
        assertThat(d.renewDue(6_000)).containsExactly(k(0), k(1));
        assertThat(d.renewing()).isEqualTo(2);
        assertThat(d.mayPoll()).as("renewing records come back with the next poll").isTrue();
        assertThat(d.renewDue(20_000)).as("not renewed twice before they come back").isEmpty();

        // k(0)'s job ends while it is away: its ACCEPT waits (acknowledging it now would throw in the client)
        d.finish(k(0), AcknowledgeType.ACCEPT);
        assertThat(d.takeAcks()).isEmpty();
        assertThat(d.polled(List.of(k(0), k(1)), 7_000)).as("renewed records are not new").isEmpty();
        assertThat(d.takeAcks()).containsExactly(new ShareDeliveries.Ack(k(0), AcknowledgeType.ACCEPT));
        assertThat(d.mayPoll()).as("k(1) is held again").isFalse();
        assertThat(d.renewDue(11_999)).as("its lock counts from the renewal").isEmpty();
        assertThat(d.renewDue(12_000)).containsExactly(k(1));
    }

    @Test
    void drainReleasesEveryUnfinishedRecordIncludingOnesBeingRenewed() {
        ShareDeliveries d = new ShareDeliveries(5, 10_000);
        d.polled(List.of(k(0), k(1), k(2)), 0);
        d.finish(k(0), AcknowledgeType.ACCEPT);
        d.renewDue(5_000); // k(1), k(2) renewing
        d.polled(List.of(k(1)), 5_100); // k(2)'s renewal has not come back yet
        assertThat(d.releaseAll()).isEqualTo(2);
        assertThat(d.takeAcks()).containsExactly(new ShareDeliveries.Ack(k(0), AcknowledgeType.ACCEPT),
                new ShareDeliveries.Ack(k(1), AcknowledgeType.RELEASE));
        d.polled(List.of(k(2)), 5_200);
        assertThat(d.takeAcks()).containsExactly(new ShareDeliveries.Ack(k(2), AcknowledgeType.RELEASE));
        assertThat(d.outstanding()).isZero();
    }

    @Test
    void aRecordWhoseRenewalFailedIsForgotten() {
        ShareDeliveries d = new ShareDeliveries(5, 10_000);
        d.polled(List.of(k(0), k(1)), 0);
        d.renewDue(5_000);
        assertThat(d.lost(List.of(k(1), k(7)))).containsExactly(k(1));
        assertThat(d.finish(k(1), AcknowledgeType.ACCEPT)).as("not ours any more: nothing to acknowledge").isFalse();
        assertThat(d.holds(k(0))).isTrue();
    }

    @Test
    void maxDeliveriesDecision() {
        ShareDeliveries d = new ShareDeliveries(3, 30_000);
        assertThat(d.exceedsMaxDeliveries(Optional.of((short) 1))).isFalse();
        assertThat(d.exceedsMaxDeliveries(Optional.of((short) 3))).as("the third delivery still runs").isFalse();
        assertThat(d.exceedsMaxDeliveries(Optional.of((short) 4))).isTrue();
        assertThat(d.exceedsMaxDeliveries(Optional.empty())).as("no count (not a share record)").isFalse();
        assertThat(new ShareDeliveries(0, 30_000).exceedsMaxDeliveries(Optional.of((short) 10))).as("0 = off").isFalse();
    }

    @Test
    void renewIsNotAFinalAcknowledgement() {
        ShareDeliveries d = new ShareDeliveries(5, 30_000);
        d.polled(List.of(k(0)), 0);
        assertThatThrownBy(() -> d.finish(k(0), AcknowledgeType.RENEW)).isInstanceOf(IllegalArgumentException.class);
    }
}
