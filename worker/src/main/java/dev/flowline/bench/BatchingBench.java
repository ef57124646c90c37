package dev.flowline.bench;

import dev.flowline.batching.BatchingMode;
import dev.flowline.batching.SchedulerOptions;
import dev.flowline.batching.SimulatedDevice;
import dev.flowline.model.LatentDecoder;
import dev.flowline.model.VelocityModel;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The batching benchmark, in-process (no Kafka), every figure measured in the same run:
 * <ol>
 *   <li>the limit: the model alone at {@code maxBatchRows} rows in a tight loop, and at batch 1 … 64;</li>
 *   <li>closed-loop saturation through the scheduler in CONTINUOUS mode, whose ratio to the limit is the
 *       scheduler's efficiency (what stacking rows, the device thread and the per-sample state machines cost);</li>
 *   <li>an open-loop Poisson trace of the {@link WorkloadMix} at a fraction of the measured capacity, replayed
 *       unchanged against CONTINUOUS, REQUEST and NONE batching.</li>
 * </ol>
 * A latent model's jobs are decoded in the loops as the worker decodes them (decode calls counted apart from the
 * velocity rows), and a baseline model may be measured beside it ({@link Extras}).
 */
public final class BatchingBench {
    private BatchingBench() {}

    /** Batch sizes of the model-alone curve. */
    public static final List<Integer> DEFAULT_BATCH_SIZES = List.of(1, 2, 4, 8, 16, 32, 64);

    /**
     * @param seconds       length of each measured phase: the raw limit and the closed loop (each point of the
     *                      batch-size curve gets a quarter of it); the trace lasts at least this long
     * @param warmUpSeconds closed-loop time before the window opens
     * @param drainSeconds  how long after the last arrival a mode may take to finish before it is cut off
     * @param loadFraction  open-loop arrival rate as a fraction of the closed-loop capacity
     * @param minTraceJobs  the trace is lengthened (up to ten times {@code seconds}) until this many jobs are expected,
     *                      so that its p99 rests on more than a handful of jobs
     * @param seed          seed of the trace and of every input
     * @param scheduler     scheduler options (the mode is set per phase)
     * @param mix           the job mix
     * @param batchSizes    batch sizes of the model-alone curve
     */
    public record Options(double seconds, double warmUpSeconds, double drainSeconds, double loadFraction,
                          int minTraceJobs, long seed, SchedulerOptions scheduler, WorkloadMix mix,
                          List<Integer> batchSizes) {
        public Options {
            if (!(seconds > 0)) throw new IllegalArgumentException("seconds must be > 0, got " + seconds);
            if (!(warmUpSeconds >= 0)) throw new IllegalArgumentException("warmUpSeconds must be >= 0");
            if (!(drainSeconds >= 0)) throw new IllegalArgumentException("drainSeconds must be >= 0");
            if (!(loadFraction > 0)) throw new IllegalArgumentException("loadFraction must be > 0, got " + loadFraction);
            if (minTraceJobs < 0) throw new IllegalArgumentException("minTraceJobs must be >= 0");
            batchSizes = List.copyOf(batchSizes);
            for (int b : batchSizes) if (b < 1) throw new IllegalArgumentException("batch sizes must be >= 1, got " + b);
        }

        /**
         * {@code seconds} per phase; warm-up a fifth of it (0.05 … 2 s), drain as long as a phase (at least 1 s), load
         * 70%, at least 200 jobs in the trace.
         */
        public static Options defaults(double seconds) {
            return new Options(seconds, Math.clamp(seconds / 5, 0.05, 2.0), Math.max(1.0, seconds), 0.7, 200,
                    20261122L, SchedulerOptions.defaults(), WorkloadMix.DEFAULT, DEFAULT_BATCH_SIZES);
        }

        public Options withScheduler(SchedulerOptions s) {
            return new Options(seconds, warmUpSeconds, drainSeconds, loadFraction, minTraceJobs, seed, s, mix, batchSizes);
        }

        public Options withDrainSeconds(double d) {
            return new Options(seconds, warmUpSeconds, d, loadFraction, minTraceJobs, seed, scheduler, mix, batchSizes);
        }

        public Options withLoadFraction(double f) {
            return new Options(seconds, warmUpSeconds, drainSeconds, f, minTraceJobs, seed, scheduler, mix, batchSizes);
        }

        public Options withSeed(long s) {
            return new Options(seconds, warmUpSeconds, drainSeconds, loadFraction, minTraceJobs, s, scheduler, mix, batchSizes);
        }

        public Options withMinTraceJobs(int n) {
            return new Options(seconds, warmUpSeconds, drainSeconds, loadFraction, n, seed, scheduler, mix, batchSizes);
        }
    }

    /**
     * What a run may add to the model: a latent model's {@code decoder} (its jobs' latents are then decoded in the
     * closed and open loops as the worker does, and the decoder is measured alone per batch size), and a
     * {@code baseline} model measured side by side (alone at the maximum batch, and in a closed loop of the same mix),
     * so that "latent rows are cheaper" is a ratio of one run. Either may be null.
     */
    public record Extras(LatentDecoder decoder, VelocityModel baseline) {
        public static final Extras NONE = new Extras(null, null);
    }

    /** Runs every phase; {@code log} gets one line per phase as it ends. */
    public static BatchingReport run(VelocityModel model, Options o, SchedulerFactory factory, PrintStream log)
            throws InterruptedException {
        return run(model, Extras.NONE, o, factory, log);
    }

    /** As above, with a latent model's decoder and a baseline model (see {@link Extras}). */
    public static BatchingReport run(VelocityModel model, Extras extras, Options o, SchedulerFactory factory, PrintStream log)
            throws InterruptedException {
        LatentDecoder decoder = extras.decoder();
        int maxRows = o.scheduler().maxBatchRows();
        RawThroughput.Result raw = RawThroughput.measure(model, model.info(), maxRows, o.seconds(), o.seed());
        log.printf("raw: %d rows x %d calls in %.1f s = %.0f rows/s (%.2f ms/call)%n", maxRows, raw.calls(),
                raw.seconds(), raw.rowsPerSecond(), raw.msPerCall());
        Map<Integer, RawThroughput.Result> byBatch = new LinkedHashMap<>();
        double pointSeconds = Math.max(0.05, o.seconds() / 4);
        for (int b : o.batchSizes()) {
            RawThroughput.Result r = RawThroughput.measure(model, model.info(), b, pointSeconds, o.seed() + b);
            byBatch.put(b, r);
            log.printf("raw at batch %d: %.0f rows/s (%.2f ms/call)%n", b, r.rowsPerSecond(), r.msPerCall());
        }
        Map<Integer, RawThroughput.Result> decodeByBatch = new LinkedHashMap<>();
        if (decoder != null) {
            for (int b : o.batchSizes()) {
                RawThroughput.Result r = RawThroughput.measureDecoder(decoder, b, pointSeconds, o.seed() + b);
                decodeByBatch.put(b, r);
                log.printf("decoder alone at batch %d: %.0f latents/s (%.2f ms/call)%n", b, r.rowsPerSecond(), r.msPerCall());
            }
        }
        RawThroughput.Result baselineRaw = null;
        if (extras.baseline() != null) {
            baselineRaw = RawThroughput.measure(extras.baseline(), extras.baseline().info(), maxRows, o.seconds(), o.seed());
            log.printf("baseline %s raw: %d rows x %d calls = %.0f rows/s (%.2f ms/call)%n", extras.baseline().info().name(),
                    maxRows, baselineRaw.calls(), baselineRaw.rowsPerSecond(), baselineRaw.msPerCall());
        }

        ClosedLoop.Result closed = ClosedLoop.run(model, decoder, o.scheduler(), o.mix(), o.warmUpSeconds(), o.seconds(),
                o.seed(), factory, 0);
        log.printf("closed loop (continuous, %d jobs in flight): %.0f rows/s, %.1f rows/call, efficiency %.3f, %.1f jobs/s%n",
                closed.jobsInFlight(), closed.rowsPerSecond(), closed.meanBatchRows(),
                closed.rowsPerSecond() / raw.rowsPerSecond(), closed.jobsPerSecond());
        if (decoder != null) {
            log.printf("  decode: %d calls, %.1f latents/call, %.1f%% of the device's busy time%n", closed.decodeCalls(),
                    closed.meanDecodeRows(), 100 * closed.decodeShare());
        }
        ClosedLoop.Result baselineClosed = null;
        if (extras.baseline() != null) {
            baselineClosed = ClosedLoop.run(extras.baseline(), null, o.scheduler(), o.mix(), o.warmUpSeconds(), o.seconds(),
                    o.seed(), factory, 0);
            log.printf("baseline %s closed loop: %.0f rows/s, %.1f jobs/s%n", extras.baseline().info().name(),
                    baselineClosed.rowsPerSecond(), baselineClosed.jobsPerSecond());
        }

        // Previews on a tenth of the jobs, side by side with a second run without, so that drift shows as noise.
        ClosedLoop.Result previews = ClosedLoop.run(model, decoder, o.scheduler(), o.mix(), o.warmUpSeconds(), o.seconds(), o.seed(),
                factory, ClosedLoop.PREVIEW_SHARE);
        ClosedLoop.Result again = ClosedLoop.run(model, decoder, o.scheduler(), o.mix(), o.warmUpSeconds(), o.seconds(), o.seed(),
                factory, 0);
        double previewRatio = previews.rowsPerSecond() / ((closed.rowsPerSecond() + again.rowsPerSecond()) / 2);
        log.printf("closed loop with previews every %d steps on %.0f%% of jobs: %.0f rows/s (without: %.0f and %.0f), ratio %.3f%n",
                ClosedLoop.PREVIEW_EVERY, 100 * ClosedLoop.PREVIEW_SHARE, previews.rowsPerSecond(), closed.rowsPerSecond(),
                again.rowsPerSecond(), previewRatio);

        boolean guidance = model.info().supportsGuidance();
        // Capacity from both runs without previews: one short window can be cut by a pause (JIT, GC, a busy machine).
        double capacity = Math.max(closed.rowsPerSecond(), again.rowsPerSecond());
        if (!(capacity > 0)) {
            throw new IllegalStateException("the closed loop finished no model call in " + o.seconds() + " s; use a longer --seconds");
        }
        double rate = o.loadFraction() * capacity / o.mix().meanRowsPerJob(guidance);
        double traceSeconds = Math.clamp(o.minTraceJobs() / rate, o.seconds(), 10 * o.seconds());
        ArrivalTrace trace = ArrivalTrace.poisson(o.seed(), rate, traceSeconds, o.mix(), model.info().numClasses());
        log.printf("open loop: %d jobs at %.1f jobs/s (%.0f%% of capacity, %.1f rows/job) over %.1f s%n", trace.size(),
                rate, 100 * o.loadFraction(), o.mix().meanRowsPerJob(guidance), traceSeconds);
        if (trace.size() < 100) log.printf("  (only %d jobs: their p99 is about their maximum)%n", trace.size());
        double[] serviceMs = SimulatedBatching.serviceMs(o.mix(), guidance, costCurve(byBatch));
        Map<BatchingMode, OpenLoop.ModeResult> modes = new LinkedHashMap<>();
        for (BatchingMode mode : List.of(BatchingMode.CONTINUOUS, BatchingMode.REQUEST, BatchingMode.NONE)) {
            OpenLoop.ModeResult m = OpenLoop.run(model, decoder, o.scheduler(), mode, trace, o.mix(), o.drainSeconds(), factory, serviceMs);
            modes.put(mode, m);
            log.printf("  %-10s p50 %8.1f ms  p99 %8.1f ms  %6.1f jobs/s  %5.1f rows/call  unfinished %d%s%s%n",
                    mode.name().toLowerCase(), m.p50Ms(), m.p99Ms(), m.jobsPerSecond(), m.meanBatchRows(),
                    m.unfinished(), m.latencyCensored() ? " (percentiles are lower bounds)" : "",
                    decoder == null ? "" : String.format("  %d decode calls, %.1f latents/call", m.decodeCalls(), m.meanDecodeRows()));
        }
        BatchingReport.ExtraFigures extra = decoder == null && extras.baseline() == null ? null
                : new BatchingReport.ExtraFigures(decoder == null ? null : decoder.stage(), decodeByBatch,
                extras.baseline() == null ? null : extras.baseline().info().name(), baselineRaw, baselineClosed,
                closed.rowsPerSecond() / o.mix().meanRowsPerJob(guidance), extras.baseline() == null ? Double.NaN
                : baselineClosed.rowsPerSecond() / o.mix().meanRowsPerJob(extras.baseline().info().supportsGuidance()));
        return new BatchingReport(model.info().name(), o, raw, byBatch, closed, trace, modes, previewRatio, extra);
    }

    /** The model alone at each batch size for {@code seconds} each: a simulated device's cost curve. */
    public static SimulatedDevice.CostModel measureCostCurve(VelocityModel model, List<Integer> batchSizes, double seconds,
                                                             long seed, PrintStream log) {
        Map<Integer, RawThroughput.Result> byBatch = new LinkedHashMap<>();
        for (int b : batchSizes) {
            RawThroughput.Result r = RawThroughput.measure(model, model.info(), b, seconds, seed + b);
            byBatch.put(b, r);
            log.printf("raw at batch %d: %.0f rows/s (%.2f ms/call)%n", b, r.rowsPerSecond(), r.msPerCall());
        }
        return costCurve(byBatch);
    }

    /** The {@code raw_by_batch} of an earlier {@code bench batching} JSON as a simulated device's cost curve. */
    public static SimulatedDevice.CostModel costCurveFrom(Path json) throws IOException {
        JsonNode byBatch = new ObjectMapper().readTree(json.toFile()).get("raw_by_batch");
        if (byBatch == null || !byBatch.isObject()) throw new IOException(json + " has no raw_by_batch");
        Map<Integer, Double> ms = new LinkedHashMap<>();
        byBatch.fields().forEachRemaining(e -> ms.put(Integer.parseInt(e.getKey()), e.getValue().get("ms_per_call").asDouble()));
        return SimulatedDevice.CostModel.curve(ms);
    }

    /** The model-alone curve as a simulated device's cost: milliseconds per call by rows. */
    public static SimulatedDevice.CostModel costCurve(Map<Integer, RawThroughput.Result> byBatch) {
        Map<Integer, Double> ms = new LinkedHashMap<>();
        byBatch.forEach((rows, r) -> ms.put(rows, r.msPerCall()));
        return SimulatedDevice.CostModel.curve(ms);
    }
}
