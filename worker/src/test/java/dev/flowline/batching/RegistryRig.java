package dev.flowline.batching;

import dev.flowline.model.LatentDecoder;
import dev.flowline.model.ModelRegistry;
import dev.flowline.model.VelocityModel;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A {@link DeviceScheduler} over a real {@link ModelRegistry} (velocity models and, for latent models, their
 * decoders, as the worker wires them), in CONTINUOUS mode without a maxDelay window, turned by hand on a
 * {@link ManualClock}: the harness of the decode-stage, image-to-image and vector-conditioning tests.
 */
final class RegistryRig {
    final ManualClock clock = new ManualClock();
    final RecordingListener listener = new RecordingListener();
    final DeviceScheduler scheduler;

    RegistryRig(ModelRegistry registry) {
        this(new ModelProvider() {
            @Override
            public Optional<VelocityModel> find(String name) {
                return Optional.of(registry.get(name));
            }

            @Override
            public Optional<LatentDecoder> decoder(String name) {
                return registry.decoder(name);
            }
        });
    }

    /** The same rig over any provider (a registry's models seen without their decoders, say). */
    RegistryRig(ModelProvider models) {
        scheduler = new DeviceScheduler(SchedulerOptions.defaults().withMode(BatchingMode.CONTINUOUS).withMaxDelayMicros(0),
                models, listener, clock);
    }

    /** A committed test fixture's directory. */
    static Path fixture(String name) {
        try {
            return Path.of(RegistryRig.class.getResource("/fixtures/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Turns until the scheduler is idle; when it would wait for a time, the clock jumps there. */
    void runUntilIdle() {
        for (int i = 0; i < 100_000; i++) {
            long r = scheduler.tickOnce();
            if (r == Long.MAX_VALUE) return;
            if (r != DeviceScheduler.RAN) clock.setNanos(r);
        }
        throw new AssertionError("scheduler never went idle");
    }

    /**
     * Offers every job before the first turn (so they are in flight together), runs until idle and returns the
     * outcomes by job id, each asserted SUCCEEDED.
     */
    Map<String, JobOutcome> runAllSucceeding(List<Job> jobs) {
        for (Job job : jobs) assertThat(scheduler.offer(job)).as(job.jobId()).isEqualTo(Admission.ACCEPTED);
        runUntilIdle();
        Map<String, JobOutcome> out = new HashMap<>();
        for (Job job : jobs) {
            JobOutcome o = listener.outcome(job.jobId());
            assertThat(o.status()).as(job.jobId() + ": " + o.errorMessage()).isEqualTo(JobStatus.SUCCEEDED);
            out.put(job.jobId(), o);
        }
        return out;
    }

    /** The decode calls among the batches run so far. */
    List<BatchRecord> decodeCalls() {
        return listener.batches.stream().filter(BatchRecord::isDecode).toList();
    }
}
