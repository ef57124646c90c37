package dev.flowline.bench;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PercentilesTest {

    @Test
    void nearestRankOnOneToHundred() {
        double[] v = new double[100];
        // Shuffled on purpose: the input order must not matter.
        for (int i = 0; i < 100; i++) v[i] = (i * 37) % 100 + 1;
        Percentiles p = Percentiles.of(v);
        assertThat(p.percentile(50)).isEqualTo(50.0);
        assertThat(p.percentile(99)).isEqualTo(99.0);
        assertThat(p.percentile(100)).isEqualTo(100.0);
        assertThat(p.percentile(0)).isEqualTo(1.0);
        assertThat(p.mean()).isEqualTo(50.5);
        assertThat(p.max()).isEqualTo(100.0);
    }

    @Test
    void p99OfFewValuesIsTheLargest() {
        // ceil(0.99 · 10) = 10: with ten values the p99 is the maximum, never an interpolation beyond the data.
        Percentiles p = Percentiles.of(new double[] {5, 1, 9, 3, 7, 2, 8, 4, 6, 10});
        assertThat(p.percentile(99)).isEqualTo(10.0);
        assertThat(p.percentile(50)).isEqualTo(5.0);
        assertThat(p.percentile(90)).isEqualTo(9.0);
    }

    @Test
    void aSingleValueIsEveryPercentile() {
        Percentiles p = Percentiles.of(new double[] {42});
        assertThat(p.percentile(1)).isEqualTo(42.0);
        assertThat(p.percentile(99)).isEqualTo(42.0);
    }

    @Test
    void noValuesGiveNaN() {
        assertThat(Percentiles.of(new double[0]).percentile(50)).isNaN();
        assertThat(Percentiles.of(new double[0]).mean()).isNaN();
    }

    @Test
    void theInputIsNotModified() {
        double[] v = {3, 1, 2};
        Percentiles.of(v);
        assertThat(v).containsExactly(3.0, 1.0, 2.0);
    }

    @Test
    void percentilesOutsideZeroToHundredAreRefused() {
        assertThatThrownBy(() -> Percentiles.of(new double[] {1}).percentile(101)).hasMessageContaining("[0, 100]");
    }
}
