package dev.flowline.kafka;

import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class PausePlanTest {
    private static final TopicPartition P0 = new TopicPartition("jobs", 0);
    private static final TopicPartition P1 = new TopicPartition("jobs", 1);
    private static final TopicPartition P2 = new TopicPartition("jobs", 2);

    @Test
    void aFullSchedulerPausesEveryAssignedPartitionAndCapacityResumesThem() {
        PausePlan p = new PausePlan();
        PausePlan.Change c = p.update(Set.of(P0, P1), true, Set.of(), false);
        assertThat(c.pause()).containsExactlyInAnyOrder(P0, P1);
        assertThat(c.resume()).isEmpty();
        assertThat(p.update(Set.of(P0, P1), true, Set.of(), false).isEmpty()).as("nothing new to send").isTrue();
        c = p.update(Set.of(P0, P1), false, Set.of(), false);
        assertThat(c.resume()).containsExactlyInAnyOrder(P0, P1);
        assertThat(p.paused()).isZero();
    }

    @Test
    void onlyPartitionsAtTheirLimitArePausedOtherwise() {
        PausePlan p = new PausePlan();
        PausePlan.Change c = p.update(Set.of(P0, P1), false, Set.of(P1, P2), false);
        assertThat(c.pause()).containsExactly(P1);
        c = p.update(Set.of(P0, P1), false, Set.of(), false);
        assertThat(c.resume()).containsExactly(P1);
    }

    @Test
    void afterARebalanceTheWholeWantedSetIsSentAgainAndLostPartitionsAreNotResumed() {
        PausePlan p = new PausePlan();
        p.update(Set.of(P0, P1), true, Set.of(), false);
        // P1 moved away, P2 arrived; Kafka kept no pause state
        PausePlan.Change c = p.update(Set.of(P0, P2), true, Set.of(), true);
        assertThat(c.pause()).containsExactlyInAnyOrder(P0, P2);
        assertThat(c.resume()).isEmpty();
    }
}
