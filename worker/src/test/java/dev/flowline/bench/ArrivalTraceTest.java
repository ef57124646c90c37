package dev.flowline.bench;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class ArrivalTraceTest {

    @Test
    void theSameSeedGivesTheSameTrace() {
        ArrivalTrace a = ArrivalTrace.poisson(7, 200, 5, WorkloadMix.DEFAULT, 10);
        ArrivalTrace b = ArrivalTrace.poisson(7, 200, 5, WorkloadMix.DEFAULT, 10);
        assertThat(a.arrivals()).isNotEmpty().isEqualTo(b.arrivals());
    }

    @Test
    void anotherSeedGivesAnotherTrace() {
        assertThat(ArrivalTrace.poisson(7, 200, 5, WorkloadMix.DEFAULT, 10).arrivals())
                .isNotEqualTo(ArrivalTrace.poisson(8, 200, 5, WorkloadMix.DEFAULT, 10).arrivals());
    }

    @Test
    void meanInterArrivalIsOneOverTheRate() {
        double rate = 500;
        ArrivalTrace trace = ArrivalTrace.poisson(11, rate, 400, WorkloadMix.DEFAULT, 10);
        List<ArrivalTrace.Arrival> arrivals = trace.arrivals();
        // About 200,000 exponential gaps: the standard error of their mean is 1/rate/√n ≈ 0.2% of it.
        double meanGapSeconds = arrivals.getLast().atNanos() / 1e9 / arrivals.size();
        assertThat(meanGapSeconds).isCloseTo(1 / rate, within(0.02 / rate));
        // Exponential gaps: the standard deviation equals the mean.
        double sum = 0, sumSq = 0;
        long previous = 0;
        for (ArrivalTrace.Arrival a : arrivals) {
            double gap = (a.atNanos() - previous) / 1e9;
            sum += gap;
            sumSq += gap * gap;
            previous = a.atNanos();
        }
        double mean = sum / arrivals.size();
        assertThat(Math.sqrt(sumSq / arrivals.size() - mean * mean)).isCloseTo(mean, within(0.03 * mean));
    }

    @Test
    void arrivalsAreOrderedInsideTheDurationAndIndexed() {
        ArrivalTrace trace = ArrivalTrace.poisson(3, 1000, 2, WorkloadMix.DEFAULT, 10);
        long previous = -1;
        for (int i = 0; i < trace.size(); i++) {
            ArrivalTrace.Arrival a = trace.arrivals().get(i);
            assertThat(a.index()).isEqualTo(i);
            assertThat(a.atNanos()).isGreaterThanOrEqualTo(previous).isLessThan(2_000_000_000L);
            assertThat(a.label()).isBetween(0, 9);
            previous = a.atNanos();
        }
    }

    @Test
    void jobKindsFollowTheMixWeights() {
        ArrivalTrace trace = ArrivalTrace.poisson(5, 1000, 100, WorkloadMix.DEFAULT, 10);
        int[] counts = new int[WorkloadMix.DEFAULT.entries().size()];
        for (ArrivalTrace.Arrival a : trace.arrivals()) counts[a.mixEntry()]++;
        for (int i = 0; i < counts.length; i++) {
            assertThat(counts[i] / (double) trace.size()).isCloseTo(WorkloadMix.DEFAULT.entries().get(i).weight(), within(0.01));
        }
    }

    @Test
    void aModelWithoutClassesGetsNoLabels() {
        assertThat(ArrivalTrace.poisson(5, 100, 1, WorkloadMix.DEFAULT, 0).arrivals()).allMatch(a -> a.label() == -1);
    }
}
