package dev.flowline.bench;

import dev.flowline.batching.OrderingPolicy;
import dev.flowline.batching.SchedulerOptions;
import dev.flowline.batching.SimulatedDevice;
import dev.flowline.model.AnalyticGaussianModel;
import org.junit.jupiter.api.Test;

import java.io.OutputStream;
import java.io.PrintStream;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** Kleinrock's yardstick: FCFS by job against queueing theory, and the conserved weighted wait on the simulated device. */
class ConservationBoundTest {

    @Test
    void fcfsByJobHasThePollaczekKhinchineMeanWait() {
        double[] serviceMs = {2, 10, 40};
        double rate = 20; // jobs/s; mean service of the mix is about 10 ms, so load about 0.2 to 0.3
        ArrivalTrace trace = ArrivalTrace.poisson(7, rate, 2_000, WorkloadMix.DEFAULT, 10);
        OpenLoop.ModeResult fcfs = ConservationBound.fcfsByJob(trace, WorkloadMix.DEFAULT, serviceMs, serviceMs);

        double s1 = 0, s2 = 0, wait = 0;
        for (int k = 0; k < serviceMs.length; k++) {
            int n = fcfs.byKind().get(k).jobs();
            s1 += n * serviceMs[k];
            s2 += n * serviceMs[k] * serviceMs[k];
            wait += n * (fcfs.byKind().get(k).meanMs() - serviceMs[k]);
        }
        int n = trace.size();
        double lambdaPerMs = rate / 1e3, es = s1 / n, es2 = s2 / n, rho = lambdaPerMs * es;
        double pk = lambdaPerMs * es2 / (2 * (1 - rho));
        assertThat(rho).isBetween(0.1, 0.5);
        assertThat(wait / n).isCloseTo(pk, within(0.1 * pk));
        // FCFS treats every kind alike: their mean waits agree within the trace's noise.
        for (int k = 0; k < serviceMs.length; k++) {
            assertThat(fcfs.byKind().get(k).meanMs() - serviceMs[k]).isCloseTo(pk, within(0.2 * pk));
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void onADeviceWhereRowsCostTheSameBatchedOrNotTheJobAwareOrderIsFcfsByJob() throws Exception {
        // One row costs 1 ms whatever the call: the CPU case, where Kleinrock's law holds for every work-conserving order.
        SimulatedDevice.CostModel cpuLike = SimulatedDevice.CostModel.linear(0, 1_000_000);
        SimulatedBatching.Options o = new SimulatedBatching.Options(List.of(0.7), 0.7, 600, 11, SchedulerOptions.defaults(),
                WorkloadMix.DEFAULT, List.of(OrderingPolicy.ROUND_ROBIN, OrderingPolicy.OLDEST_JOB_FIRST));
        var info = AnalyticGaussianModel.builder().build().info();
        Map<String, Object> json = SimulatedBatching.run(info, cpuLike, "cpu-like", o, null, new PrintStream(OutputStream.nullOutputStream()));

        Map<String, Object> atLoad = (Map<String, Object>) ((Map<String, Object>) json.get("conservation")).get("0.7");
        Map<String, Double> latency = (Map<String, Double>) atLoad.get("weighted_mean_latency_ms");
        double fcfs = latency.get(SimulatedBatching.FCFS);
        assertThat(fcfs).isPositive();
        // The job-aware order finishes a started job before the next, as FCFS does: same weighted latency, same tails.
        assertThat(latency.get("continuous-oldest_job_first")).isCloseTo(fcfs, within(0.02 * fcfs));
        assertThat((Double) atLoad.get("p99_continuous_over_fcfs")).isCloseTo(1.0, within(0.02));
        // Row round-robin shares the device (processor sharing): the longest kind pays.
        Map<String, Map<String, Object>> sweep = (Map<String, Map<String, Object>>) json.get("sweep");
        double rrLong = p99(sweep, "continuous-round_robin", "rk4-32"), ojfLong = p99(sweep, "continuous-oldest_job_first", "rk4-32");
        assertThat(ojfLong).isLessThan(rrLong);
    }

    @SuppressWarnings("unchecked")
    private static double p99(Map<String, Map<String, Object>> sweep, String label, String kind) {
        Map<String, Object> mode = (Map<String, Object>) sweep.get(label).get("0.7");
        return (Double) ((Map<String, Object>) ((Map<String, Object>) mode.get("by_kind")).get(kind)).get("p99_ms");
    }
}
