package dev.flowline.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flowline.avro.BatchInterval;
import dev.flowline.avro.GroupCostCurve;
import dev.flowline.batching.BatchRecord;
import dev.flowline.batching.LearnedCost;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** The scheduler's learned call cost reaches telemetry events and Prometheus gauges, per group, as it changes. */
class LearnedCostExportTest {

    @Test
    void eachBatchIntervalCarriesTheLearnedCostOfEveryGroup() {
        BatchAggregator a = new BatchAggregator(0);
        a.add(new BatchRecord("m[4]fp32", 8, 8, 2, 2_000_000, 0, 0, 1, 8));
        List<LearnedCost> costs = List.of(new LearnedCost("m[4]fp32", LearnedCost.VELOCITY, 3000, 30, 64, 12),
                new LearnedCost("latent[4,7,7]fp32", "decode", 500, 12.5, 16, 3));

        BatchInterval i = TelemetryVerticle.toAvro(a.flush(5000).orElseThrow(), costs);

        assertThat(i.getCostCurves()).extracting(GroupCostCurve::getGroupKey).containsExactly("m[4]fp32", "latent[4,7,7]fp32");
        GroupCostCurve decode = i.getCostCurves().get(1);
        assertThat(decode.getKind()).isEqualTo("decode");
        assertThat(decode.getCostPerCallUs()).isEqualTo(500);
        assertThat(decode.getCostPerRowUs()).isEqualTo(12.5);
        assertThat(decode.getTargetRows()).isEqualTo(16);
    }

    @Test
    void gaugesAppearForEachGroupTheSchedulerMeetsAndFollowItsCurve() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        WorkerMetrics metrics = new WorkerMetrics(registry);
        List<LearnedCost> current = new CopyOnWriteArrayList<>();
        metrics.bindLearnedCosts(() -> List.copyOf(current));
        assertThat(registry.find("flowline.batch.cost.per.row.micros").gauges()).as("no group yet").isEmpty();

        current.add(new LearnedCost("m[4]fp32", LearnedCost.VELOCITY, 20, 1000, 1, 5));
        metrics.batch(new BatchRecord("m[4]fp32", 1, 1, 1, 1_000_000, 0, 0, 0, 1));
        assertThat(registry.get("flowline.batch.cost.per.row.micros").tag("group", "m[4]fp32").tag("kind", "velocity").gauge().value())
                .isEqualTo(1000);
        assertThat(registry.get("flowline.batch.target.rows").tag("group", "m[4]fp32").gauge().value()).isEqualTo(1);

        current.set(0, new LearnedCost("m[4]fp32", LearnedCost.VELOCITY, 25, 990, 2, 9)); // learned further
        assertThat(registry.get("flowline.batch.cost.per.call.micros").tag("group", "m[4]fp32").gauge().value()).isEqualTo(25);
        assertThat(registry.get("flowline.batch.target.rows").tag("group", "m[4]fp32").gauge().value()).isEqualTo(2);
    }

    @Test
    void dedupedRowsAreSummedPerIntervalAndCountedInTheMetric() {
        BatchAggregator a = new BatchAggregator(0);
        a.add(new BatchRecord("m[4]fp32", 8, 8, 2, 2_000_000, 0, 0, 1, 8, 6));
        a.add(new BatchRecord("m[4]fp32", 8, 8, 2, 2_000_000, 0, 0, 1, 8, 4));
        assertThat(TelemetryVerticle.toAvro(a.flush(5000).orElseThrow(), List.of()).getDedupedRows()).isEqualTo(10);
        a.add(new BatchRecord("m[4]fp32", 8, 8, 2, 2_000_000, 0, 0, 1, 8));
        assertThat(a.flush(6000).orElseThrow().dedupedRows()).as("a new interval starts from 0").isZero();

        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        WorkerMetrics metrics = new WorkerMetrics(registry);
        metrics.batch(new BatchRecord("m[4]fp32", 8, 8, 2, 1_000_000, 0, 0, 0, 8, 6));
        metrics.batch(new BatchRecord("m[4]fp32", 8, 8, 2, 1_000_000, 0, 0, 0, 8));
        assertThat(registry.get("flowline.dedup.rows").counter().count()).isEqualTo(6);
        metrics.dedupedSamples(3);
        metrics.dedupedSamples(0);
        assertThat(registry.get("flowline.dedup.samples").counter().count()).isEqualTo(3);
    }

    @Test
    void previewDecodeRowsAndDroppedPreviewsOfDecodeCallsAreCountedInTheMetrics() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        WorkerMetrics metrics = new WorkerMetrics(registry);
        metrics.batch(new BatchRecord("m[4]fp32/decode", 5, 5, 3, 1_000_000, 0, 0, 0, 8, 0, 3, 1));
        metrics.batch(new BatchRecord("m[4]fp32/decode", 2, 2, 2, 1_000_000, 0, 0, 0, 8, 0, 2, 0));
        metrics.batch(new BatchRecord("m[4]fp32", 8, 8, 2, 1_000_000, 0, 0, 0, 8));
        assertThat(registry.get("flowline.preview.decode.rows").counter().count()).isEqualTo(5);
        assertThat(registry.get("flowline.preview.dropped").counter().count()).isEqualTo(1);
    }
}
