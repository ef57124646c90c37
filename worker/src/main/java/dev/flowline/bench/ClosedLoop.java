package dev.flowline.bench;

import dev.flowline.batching.Admission;
import dev.flowline.batching.BatchRecord;
import dev.flowline.batching.BatchingMode;
import dev.flowline.batching.JobOutcome;
import dev.flowline.batching.ModelProvider;
import dev.flowline.batching.Scheduler;
import dev.flowline.batching.SamplePreview;
import dev.flowline.batching.SchedulerListener;
import dev.flowline.batching.SchedulerOptions;
import dev.flowline.kafka.OutputEncoder;
import dev.flowline.kafka.PreviewEncoder;
import dev.flowline.model.ModelInfo;
import dev.flowline.model.VelocityModel;

import java.util.SplittableRandom;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Saturation through the scheduler: a feeder keeps a fixed number of mix jobs in flight (every completion lets the
 * next one in), enough that every tick can fill {@code maxBatchRows}. Rows are counted from the scheduler's batch
 * records over a window that starts after a warm-up.
 */
final class ClosedLoop {
    private ClosedLoop() {}

    /**
     * @param rowsPerSecond  model rows per second in the window
     * @param meanBatchRows  rows per model call in the window
     * @param calls          model calls in the window
     * @param jobsInFlight   the in-flight target the feeder kept
     * @param seconds        the window's length
     */
    /** {@code previewPngs}: previews encoded over the whole run (0 without previews). */
    record Result(double rowsPerSecond, double meanBatchRows, long calls, int jobsInFlight, double seconds, long previewPngs) {
    }

    /** Jobs kept in flight: every active sample slot filled, plus a queue of a few batches behind them. */
    static int inFlightTarget(SchedulerOptions options) {
        return Math.min(options.maxJobsInFlight(), options.maxActiveSamples() + 2 * options.maxBatchRows());
    }

    static Result run(VelocityModel model, SchedulerOptions options, WorkloadMix mix, double warmUpSeconds,
                      double seconds, long seed, SchedulerFactory factory) throws InterruptedException {
        return run(model, options, mix, warmUpSeconds, seconds, seed, factory, 0);
    }

    /** Share of jobs that ask for a preview every {@link #PREVIEW_EVERY} steps in the preview-overhead phase. */
    static final double PREVIEW_SHARE = 0.1;
    static final int PREVIEW_EVERY = 4;

    /**
     * As above; {@code previewShare} of the jobs ask for progress with previews every {@link #PREVIEW_EVERY} steps,
     * each encoded as the Kafka edge does (a PNG of the current estimate), so that their cost is in the figure.
     */
    static Result run(VelocityModel model, SchedulerOptions options, WorkloadMix mix, double warmUpSeconds,
                      double seconds, long seed, SchedulerFactory factory, double previewShare) throws InterruptedException {
        SchedulerOptions continuous = options.withMode(BatchingMode.CONTINUOUS);
        int target = inFlightTarget(continuous);
        Semaphore permits = new Semaphore(target);
        AtomicLong rows = new AtomicLong();
        AtomicLong calls = new AtomicLong();
        AtomicLong pngs = new AtomicLong();
        OutputEncoder.ImageGeometry image = model.info().image()
                .map(l -> new OutputEncoder.ImageGeometry(l.channels(), l.height(), l.width()))
                .or(() -> OutputEncoder.imageGeometry(model.info().sampleShape())).orElse(null);
        ModelInfo.ValueRange range = model.info().valueRange();
        SchedulerListener listener = new SchedulerListener() {
            @Override
            public void onCompleted(JobOutcome outcome) {
                permits.release();
            }

            @Override
            public void onBatch(BatchRecord batch) {
                rows.addAndGet(batch.rows());
                calls.incrementAndGet();
            }

            @Override
            public void onPreview(SamplePreview preview) {
                if (image != null && PreviewEncoder.png(preview.estimate(), image, range.min(), range.max()) != null) {
                    pngs.incrementAndGet();
                }
            }
        };
        MixJobFactory jobs = new MixJobFactory(model.info(), mix);
        try (Scheduler scheduler = factory.start(continuous, ModelProvider.of(model), listener)) {
            Feeder feeder = new Feeder(scheduler, jobs, mix, permits, seed, model.info().numClasses(), previewShare);
            Thread thread = Thread.ofPlatform().name("bench-feeder").daemon().start(feeder);
            try {
                sleep(warmUpSeconds);
                long rows0 = rows.get(), calls0 = calls.get(), t0 = System.nanoTime();
                sleep(seconds);
                long rows1 = rows.get(), calls1 = calls.get(), t1 = System.nanoTime();
                if (feeder.failure != null) throw new IllegalStateException("closed loop: " + feeder.failure.getMessage(), feeder.failure);
                double window = (t1 - t0) / 1e9;
                long n = calls1 - calls0;
                return new Result((rows1 - rows0) / window, n == 0 ? 0 : (rows1 - rows0) / (double) n, n, target, window,
                        pngs.get());
            } finally {
                feeder.stop = true;
                thread.interrupt();
                thread.join(5_000);
            }
        }
    }

    private static void sleep(double seconds) throws InterruptedException {
        TimeUnit.NANOSECONDS.sleep((long) (seconds * 1e9));
    }

    /** Offers a new job whenever a permit is free; a full scheduler is retried after a short pause. */
    private static final class Feeder implements Runnable {
        private final Scheduler scheduler;
        private final MixJobFactory jobs;
        private final WorkloadMix mix;
        private final Semaphore permits;
        private final SplittableRandom random;
        private final int numClasses;
        volatile boolean stop;
        volatile RuntimeException failure;

        private final double previewShare;
        private final SplittableRandom previewRandom;

        Feeder(Scheduler scheduler, MixJobFactory jobs, WorkloadMix mix, Semaphore permits, long seed, int numClasses,
               double previewShare) {
            this.previewShare = previewShare;
            this.previewRandom = new SplittableRandom(seed ^ 0x9E3779B97F4A7C15L); // apart: the job stream stays the same
            this.scheduler = scheduler;
            this.jobs = jobs;
            this.mix = mix;
            this.permits = permits;
            this.random = new SplittableRandom(seed);
            this.numClasses = numClasses;
        }

        @Override
        public void run() {
            long next = 0;
            try {
                while (!stop) {
                    if (!permits.tryAcquire(50, TimeUnit.MILLISECONDS)) continue;
                    int entry = mix.pick(random.nextDouble());
                    int label = numClasses > 0 ? random.nextInt(numClasses) : -1;
                    int previews = previewRandom.nextDouble() < previewShare ? PREVIEW_EVERY : 0;
                    var job = jobs.job("closed-" + next++, entry, label, random.nextLong(), null, 0, previews);
                    Admission a;
                    while ((a = scheduler.offer(job)) == Admission.REJECTED_FULL && !stop) LockSupport.parkNanos(200_000);
                    if (a != Admission.ACCEPTED && !stop) {
                        throw new IllegalStateException("the scheduler refused a benchmark job: " + a);
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                failure = e;
            }
        }
    }
}
