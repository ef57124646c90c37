package dev.flowline.telemetry;

import dev.flowline.batching.BatchRecord;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class BatchAggregatorTest {

    @Test
    void sumsModelCallsPerGroupOverAnInterval() {
        BatchAggregator a = new BatchAggregator(1000);
        a.add(new BatchRecord("gauss[1,4,4]", 8, 8, 2, 2_000_000, 100_000, 0, 5, 30));
        a.add(new BatchRecord("gauss[1,4,4]", 16, 12, 3, 3_000_000, 0, 0, 4, 40));
        a.add(new BatchRecord("mnist[1,28,28]", 4, 4, 1, 10_000_000, 0, 0, 3, 44));
        BatchAggregator.Interval i = a.flush(6000).orElseThrow();
        assertThat(i.startMillis()).isEqualTo(1000);
        assertThat(i.endMillis()).isEqualTo(6000);
        assertThat(i.queuedJobs()).as("as the last call saw it").isEqualTo(3);
        assertThat(i.activeSamples()).isEqualTo(44);
        assertThat(i.modelCalls()).isEqualTo(3);
        assertThat(i.groups()).extracting(BatchAggregator.GroupStats::groupKey).containsExactly("gauss[1,4,4]", "mnist[1,28,28]");
        BatchAggregator.GroupStats g = i.groups().get(0);
        assertThat(g.modelCalls()).isEqualTo(2);
        assertThat(g.rows()).isEqualTo(24);
        assertThat(g.maxRows()).isEqualTo(16);
        assertThat(g.modelMs()).isEqualTo(5.0);
        assertThat(g.waitMs()).isEqualTo(0.1);
    }

    @Test
    void anIntervalWithoutCallsIsNotReportedAndTheNextStartsAfterIt() {
        BatchAggregator a = new BatchAggregator(0);
        assertThat(a.flush(5000)).isEmpty();
        a.add(new BatchRecord("g", 1, 1, 1, 1, 0, 0, 0, 1));
        BatchAggregator.Interval i = a.flush(10_000).orElseThrow();
        assertThat(i.startMillis()).isEqualTo(5000);
        assertThat(a.flush(15_000)).isEmpty();
    }
}
