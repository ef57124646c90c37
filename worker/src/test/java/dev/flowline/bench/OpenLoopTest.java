package dev.flowline.bench;

import dev.flowline.batching.Admission;
import dev.flowline.batching.BatchRecord;
import dev.flowline.batching.BatchingMode;
import dev.flowline.batching.Job;
import dev.flowline.batching.JobOutcome;
import dev.flowline.batching.JobStatus;
import dev.flowline.batching.Scheduler;
import dev.flowline.batching.SchedulerListener;
import dev.flowline.batching.SchedulerOptions;
import dev.flowline.model.AnalyticGaussianModel;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;

/** The open-loop replay's accounting, against stand-in schedulers (no model calls, no timing asserted). */
class OpenLoopTest {
    private static final AnalyticGaussianModel MODEL = AnalyticGaussianModel.builder().build();
    private static final ArrivalTrace TRACE = ArrivalTrace.poisson(1, 200, 0.1, WorkloadMix.DEFAULT, 10);

    @Test
    void aModeThatFinishesNothingIsCutOffAndReportsEveryJobUnfinished() throws Exception {
        OpenLoop.ModeResult r = OpenLoop.run(MODEL, SchedulerOptions.defaults(), BatchingMode.NONE, TRACE,
                WorkloadMix.DEFAULT, 0.1, (o, m, l) -> new StandIn(l, false));
        assertThat(TRACE.size()).isPositive();
        assertThat(r.unfinished()).isEqualTo(TRACE.size());
        assertThat(r.completed()).isZero();
        assertThat(r.latencyCensored()).isTrue();
        // Censored at the cut-off: every job waited at least the drain time.
        assertThat(r.p50Ms()).isGreaterThanOrEqualTo(100.0);
    }

    @Test
    void aModeThatFinishesEveryJobCountsThemAllWithTheirBatchRows() throws Exception {
        OpenLoop.ModeResult r = OpenLoop.run(MODEL, SchedulerOptions.defaults(), BatchingMode.CONTINUOUS, TRACE,
                WorkloadMix.DEFAULT, 5, (o, m, l) -> new StandIn(l, true));
        assertThat(r.completed()).isEqualTo(TRACE.size());
        assertThat(r.unfinished()).isZero();
        assertThat(r.latencyCensored()).isFalse();
        assertThat(r.meanBatchRows()).isEqualTo(3.0);
        assertThat(r.modelCalls()).isEqualTo(TRACE.size());
    }

    /** Accepts every job; completes it at once (one 3-row batch) or never. */
    private record StandIn(SchedulerListener listener, boolean complete) implements Scheduler {
        @Override
        public Admission offer(Job job) {
            if (complete) {
                listener.onBatch(new BatchRecord("k", 3, 1, 1, 0, 0, 0, 0, 0));
                listener.onCompleted(new JobOutcome(job, JobStatus.SUCCEEDED, null, null, List.of(), 0, 0, 1, 1, 3, 3));
            }
            return Admission.ACCEPTED;
        }

        @Override
        public boolean cancel(String jobId) {
            return false;
        }

        @Override
        public List<Job> abandon(Predicate<Job> which) {
            return List.of();
        }

        @Override
        public int jobsInFlight() {
            return 0;
        }

        @Override
        public boolean hasRoom() {
            return true;
        }

        @Override
        public CompletableFuture<List<Job>> drain(Duration timeout) {
            return CompletableFuture.completedFuture(List.of());
        }

        @Override
        public void close() {
        }
    }
}
