package dev.flowline.output;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

import java.util.function.Supplier;

/**
 * Meters of the output store (Prometheus names): {@code flowline_output_objects_total} and
 * {@code flowline_output_bytes_total} (objects written and verified), {@code flowline_output_store_errors_total{kind}}
 * (every failed attempt, retried or not), {@code flowline_output_jobs_failed_total} (jobs ended OUTPUT_STORE_ERROR),
 * {@code flowline_output_results_by_reference_total}, and the gauge {@code flowline_output_store_healthy} (1 or 0).
 */
public final class OutputMetrics {
    private final MeterRegistry registry;
    private final Counter objects;
    private final Counter bytes;
    private final Counter jobsFailed;
    private final Counter byReference;

    public OutputMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.objects = Counter.builder("flowline.output.objects").description("Objects written to the output store and verified").register(registry);
        this.bytes = Counter.builder("flowline.output.bytes").description("Bytes written to the output store and verified").baseUnit("bytes").register(registry);
        this.jobsFailed = Counter.builder("flowline.output.jobs.failed").description("Jobs ended FAILED with OUTPUT_STORE_ERROR").register(registry);
        this.byReference = Counter.builder("flowline.output.results.by.reference").description("Results whose samples went by reference").register(registry);
    }

    void bindHealth(Supplier<Number> healthy) {
        Gauge.builder("flowline.output.store.healthy", healthy).description("1 while writes to the output store succeed, else 0").register(registry);
    }

    void written(long size) {
        objects.increment();
        bytes.increment(size);
    }

    void error(OutputStoreException.Kind kind) {
        Counter.builder("flowline.output.store.errors").description("Failed attempts to write to the output store, by kind")
                .tag("kind", kind.name()).register(registry).increment();
    }

    void jobFailed() {
        jobsFailed.increment();
    }

    void resultByReference() {
        byReference.increment();
    }

    /** Objects written so far (tests, logs). */
    public double objectsWritten() {
        return objects.count();
    }

    public double bytesWritten() {
        return bytes.count();
    }

    /** Failed attempts so far, of every kind. */
    public double errors() {
        return registry.find("flowline.output.store.errors").counters().stream().mapToDouble(Counter::count).sum();
    }
}
