package dev.flowline.demo;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class PoissonTraceTest {

    @Test
    void sameSeedSameTraceAndArrivalsAreIncreasingWithinTheDuration() {
        double[] a = PoissonTrace.arrivals(50, 10, 7);
        assertThat(PoissonTrace.arrivals(50, 10, 7)).containsExactly(a);
        assertThat(PoissonTrace.arrivals(50, 10, 8)).isNotEqualTo(a);
        for (int i = 1; i < a.length; i++) assertThat(a[i]).isGreaterThan(a[i - 1]);
        assertThat(a[a.length - 1]).isLessThan(10);
    }

    @Test
    void countAndGapsMatchThePoissonProcess() {
        double rate = 200, duration = 100;
        double[] a = PoissonTrace.arrivals(rate, duration, 1);
        // Count ~ Poisson(20,000): sd ~141; 5 sd.
        assertThat((double) a.length).isCloseTo(rate * duration, within(5 * Math.sqrt(rate * duration)));
        double meanGap = a[a.length - 1] / a.length;
        assertThat(meanGap).isCloseTo(1 / rate, within(0.05 / rate));
        // Exponential gaps: the coefficient of variation is 1.
        double sum = 0, sumSq = 0;
        for (int i = 1; i < a.length; i++) {
            double g = a[i] - a[i - 1];
            sum += g;
            sumSq += g * g;
        }
        int n = a.length - 1;
        double mean = sum / n, sd = Math.sqrt(sumSq / n - mean * mean);
        assertThat(sd / mean).isCloseTo(1.0, within(0.05));
    }

    @Test
    void mixPicksByWeight() {
        Random r = new Random(3);
        int[] counts = new int[3];
        for (int i = 0; i < 20_000; i++) counts[JobMix.DEFAULT.indexOf(JobMix.pick(JobMix.DEFAULT, r))]++;
        assertThat(counts[0] / 20_000.0).isCloseTo(0.3, within(0.02));
        assertThat(counts[1] / 20_000.0).isCloseTo(0.5, within(0.02));
        assertThat(counts[2] / 20_000.0).isCloseTo(0.2, within(0.02));
    }

    @Test
    void nonPositiveRateIsRejected() {
        assertThatThrownBy(() -> PoissonTrace.arrivals(0, 1, 1)).hasMessageContaining("rate");
        assertThatThrownBy(() -> PoissonTrace.arrivals(1, -1, 1)).hasMessageContaining("duration");
    }
}
