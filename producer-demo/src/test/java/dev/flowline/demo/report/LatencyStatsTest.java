package dev.flowline.demo.report;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class LatencyStatsTest {

    @Test
    void percentilesOfOneToThousandMillisAreTheOrderStatistics() {
        LatencyStats s = new LatencyStats();
        for (int i = 1000; i >= 1; i--) s.record(i); // order of recording must not matter
        assertThat(s.count()).isEqualTo(1000);
        assertThat(s.percentileMillis(50)).isCloseTo(500, within(0.5));
        assertThat(s.percentileMillis(95)).isCloseTo(950, within(0.95));
        assertThat(s.percentileMillis(99)).isCloseTo(990, within(0.99));
        assertThat(s.maxMillis()).isCloseTo(1000, within(1.0));
        assertThat(s.meanMillis()).isCloseTo(500.5, within(0.5));
    }

    @Test
    void aSingleSlowOutlierMovesOnlyTheTail() {
        LatencyStats s = new LatencyStats();
        for (int i = 0; i < 99; i++) s.record(10);
        s.record(5000);
        assertThat(s.percentileMillis(50)).isCloseTo(10, within(0.01));
        assertThat(s.percentileMillis(99)).isCloseTo(10, within(0.01));
        assertThat(s.percentileMillis(100)).isCloseTo(5000, within(5.0));
    }

    @Test
    void histogramBucketsCountEveryValueOnce() {
        LatencyStats s = new LatencyStats();
        s.record(0.5);   // [0,1)
        s.record(3);     // [2,4)
        s.record(3.9);   // [2,4)
        s.record(100);   // [64,128)
        var buckets = s.buckets();
        assertThat(buckets.stream().mapToLong(LatencyStats.Bucket::count).sum()).isEqualTo(4);
        assertThat(buckets.get(0).count()).isEqualTo(1);
        assertThat(buckets).filteredOn(b -> b.fromMillis() == 2.0).singleElement().extracting(LatencyStats.Bucket::count).isEqualTo(2L);
        assertThat(s.histogramText(20)).contains("64.0 -     128.0 ms");
    }

    @Test
    void emptyStatsAreZeroAndNegativeLatencyIsRejected() {
        LatencyStats s = new LatencyStats();
        assertThat(s.percentileMillis(99)).isZero();
        assertThat(s.buckets()).isEmpty();
        assertThatThrownBy(() -> s.record(-1)).hasMessageContaining("latency");
        assertThatThrownBy(() -> s.record(Double.NaN)).hasMessageContaining("latency");
    }
}
