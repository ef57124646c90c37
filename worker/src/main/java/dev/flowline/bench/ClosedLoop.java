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
import dev.flowline.model.LatentDecoder;
import dev.flowline.model.ModelInfo;
import dev.flowline.model.VelocityModel;

import java.util.Optional;
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
     * @param rowsPerSecond  model rows (velocity calls) per second in the window
     * @param meanBatchRows  rows per velocity call in the window
     * @param calls          velocity calls in the window
     * @param jobsInFlight   the in-flight target the feeder kept
     * @param seconds        the window's length
     * @param previewPngs    previews encoded over the whole run (0 without previews)
     * @param jobsPerSecond  jobs that ended in the window, per second (a latent model's jobs end after their decode)
     * @param decodeCalls    decoder calls in the window (latent models; 0 otherwise)
     * @param meanDecodeRows latents per decoder call in the window
     * @param decodeShare    share of the device's busy time in the window spent in decoder calls
     */
    record Result(double rowsPerSecond, double meanBatchRows, long calls, int jobsInFlight, double seconds, long previewPngs,
                  double jobsPerSecond, long decodeCalls, double meanDecodeRows, double decodeShare) {
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
        return run(model, null, options, mix, warmUpSeconds, seconds, seed, factory, previewShare);
    }

    /** As above; with a {@code decoder} (a latent model's, else null) every job's latents are decoded before it ends. */
    static Result run(VelocityModel model, LatentDecoder decoder, SchedulerOptions options, WorkloadMix mix, double warmUpSeconds,
                      double seconds, long seed, SchedulerFactory factory, double previewShare) throws InterruptedException {
        SchedulerOptions continuous = options.withMode(BatchingMode.CONTINUOUS);
        int target = inFlightTarget(continuous);
        Semaphore permits = new Semaphore(target);
        CallCounts counts = new CallCounts();
        AtomicLong ended = new AtomicLong();
        AtomicLong pngs = new AtomicLong();
        // a latent model's previews come decoded: the decoder's images and range, as the Kafka edge encodes them
        OutputEncoder.ImageGeometry image = decoder != null ? OutputEncoder.imageGeometry(decoder.stage().outputShape()).orElse(null)
                : model.info().image().map(l -> new OutputEncoder.ImageGeometry(l.channels(), l.height(), l.width()))
                .or(() -> OutputEncoder.imageGeometry(model.info().sampleShape())).orElse(null);
        ModelInfo.ValueRange range = decoder != null ? decoder.stage().valueRange() : model.info().valueRange();
        SchedulerListener listener = new SchedulerListener() {
            @Override
            public void onCompleted(JobOutcome outcome) {
                ended.incrementAndGet();
                permits.release();
            }

            @Override
            public void onBatch(BatchRecord batch) {
                counts.add(batch);
            }

            @Override
            public void onPreview(SamplePreview preview) {
                if (image != null && PreviewEncoder.png(preview.estimate(), image, range.min(), range.max()) != null) {
                    pngs.incrementAndGet();
                }
            }
        };
        MixJobFactory jobs = new MixJobFactory(model.info(), mix);
        try (Scheduler scheduler = factory.start(continuous, provider(model, decoder), listener)) {
            Feeder feeder = new Feeder(scheduler, jobs, mix, permits, seed, model.info().numClasses(), previewShare);
            Thread thread = Thread.ofPlatform().name("bench-feeder").daemon().start(feeder);
            try {
                sleep(warmUpSeconds);
                CallCounts.Snapshot c0 = counts.snapshot();
                long ended0 = ended.get(), t0 = System.nanoTime();
                sleep(seconds);
                CallCounts.Snapshot c = counts.snapshot().minus(c0);
                long endedInWindow = ended.get() - ended0, t1 = System.nanoTime();
                if (feeder.failure != null) throw new IllegalStateException("closed loop: " + feeder.failure.getMessage(), feeder.failure);
                double window = (t1 - t0) / 1e9;
                return new Result(c.rows() / window, c.meanRows(), c.calls(), target, window, pngs.get(), endedInWindow / window,
                        c.decodeCalls(), c.meanDecodeRows(), c.decodeShare());
            } finally {
                feeder.stop = true;
                thread.interrupt();
                thread.join(5_000);
            }
        }
    }

    /** The scheduler's models: {@code model}, and {@code decoder} as its decoder when not null. */
    static ModelProvider provider(VelocityModel model, LatentDecoder decoder) {
        ModelProvider one = ModelProvider.of(model);
        if (decoder == null) return one;
        String name = model.info().name();
        return new ModelProvider() {
            @Override
            public Optional<VelocityModel> find(String n) {
                return one.find(n);
            }

            @Override
            public Optional<LatentDecoder> decoder(String n) {
                return n.equals(name) ? Optional.of(decoder) : Optional.empty();
            }
        };
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
