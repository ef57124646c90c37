package dev.flowline.demo;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.flowline.avro.GenerationRequest;
import dev.flowline.avro.GenerationResult;
import dev.flowline.avro.ProgressEvent;
import dev.flowline.avro.JobStatus;
import dev.flowline.avro.SampleOutput;
import dev.flowline.demo.report.ContactSheet;
import dev.flowline.demo.report.HtmlReport;
import dev.flowline.demo.report.LatencyStats;
import dev.flowline.model.ModelInfo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import javax.imageio.ImageIO;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;

/**
 * The quick start: an embedded broker and worker in this JVM, a showcase job set through real Kafka, and a contact
 * sheet, an HTML page and summary.json written to --out.
 */
@Command(name = "embedded", mixinStandardHelpOptions = true,
        description = "Starts an embedded Kafka broker (127.0.0.1) and a worker in-process, runs a showcase job set "
                + "(every class, several samplers) through them, and writes a contact sheet, an HTML report and summary.json.")
final class EmbeddedCommand implements Callable<Integer> {
    static final String MODEL = "fashion-mnist";

    @Option(names = "--out", defaultValue = "demo-out", description = "Output directory (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--samples", defaultValue = "2", description = "Samples per class and sampler (default: ${DEFAULT-VALUE}).")
    int samplesPerCell;

    @Option(names = "--timeout", defaultValue = "170", description = "Seconds to wait for every result (default: ${DEFAULT-VALUE}).")
    long timeoutSeconds;

    /** The closed set of --output-store values. */
    enum Store { inline, s3 }

    @Option(names = "--output-store", defaultValue = "inline",
            description = "inline (samples inside the result records) or s3: an S3-compatible server on 127.0.0.1 in this JVM "
                    + "(objects under <out>/s3/), results carry references that the report follows and verifies (default: ${DEFAULT-VALUE}).")
    Store outputStore;

    @Option(names = "--inline-max-bytes", defaultValue = "0",
            description = "With --output-store s3: results whose samples exceed this many bytes go by reference (default: ${DEFAULT-VALUE}, every result).")
    int inlineMaxBytes;

    private record Received(GenerationResult result, double latencyMs) {}

    @Override
    public Integer call() throws Exception {
        Files.createDirectories(out);
        long t0 = System.nanoTime();
        boolean s3Store = outputStore == Store.s3;
        System.err.println("Starting an embedded Kafka broker" + (s3Store ? ", an S3-compatible server" : "") + " and a Flowline worker...");
        try (EmbeddedS3 s3 = s3Store ? EmbeddedS3.start(out.resolve("s3")) : null;
             OutputFetcher fetcher = s3Store ? new OutputFetcher(s3.endpoint(), "us-east-1", true, s3.credentials()) : null;
             EmbeddedStack stack = EmbeddedStack.start(s3Store ? Map.of("outputs.inlineMaxBytes", inlineMaxBytes) : Map.of(), s3)) {
            if (s3Store) System.err.printf("Output store: s3://%s on %s (objects under %s)%n", EmbeddedS3.BUCKET, s3.endpoint(), out.resolve("s3"));
            ModelInfo info = stack.registry.info(MODEL);
            double guidance = Math.max(1.0, info.defaultSampler().guidanceScale());
            List<Showcase.Column> columns = Showcase.columns(c -> c.model() == null
                    ? (!c.solver().equals("bespoke") || !info.bespokeSolvers().isEmpty())
                            && (c.schedule() == null || info.schedules().containsKey(c.schedule()))
                    : stack.registry.names().contains(c.model()));
            List<Showcase.ShowJob> jobs = Showcase.jobs(MODEL, info.classNames(), guidance, samplesPerCell, columns);
            System.err.printf("Broker on %s, worker ready in %.1f s; submitting %d jobs (%d samples)%n", stack.bootstrapServers(),
                    (System.nanoTime() - t0) / 1e9, jobs.size(), jobs.size() * samplesPerCell);

            Map<String, Received> received = new LinkedHashMap<>();
            Map<String, Long> submittedAt = new HashMap<>();
            GenerationRequest previewJob = Showcase.previewJob(MODEL, info.classNames(), guidance);
            PreviewStrip strip = new PreviewStrip(previewJob.getJobId());
            long start;
            ClusterOptions cluster = ClusterOptions.of(stack.bootstrapServers(), stack.config.topics().prefix());
            Map<String, Object> props = cluster.clientProperties(stack.bootstrapServers());
            try (FlowlineClient client = new FlowlineClient(props, cluster.topics(), false);
                 var progress = client.progressConsumer(props, true)) {
                client.awaitResultsAssignment(Duration.ofSeconds(30));
                start = System.nanoTime();
                client.submit(previewJob); // first, so that its previews come while the rest queue
                for (Showcase.ShowJob j : jobs) {
                    submittedAt.put(j.request().getJobId(), System.nanoTime());
                    client.submit(j.request());
                }
                client.flush();
                ProgressBar bar = new ProgressBar(jobs.size());
                long until = start + Duration.ofSeconds(timeoutSeconds).toNanos();
                long previewGrace = Long.MAX_VALUE; // previews are best effort: wait for the last ones a few seconds at most
                while ((received.size() < jobs.size() || !strip.complete()) && System.nanoTime() < Math.min(until, previewGrace)) {
                    if (received.size() >= jobs.size() && strip.hasResult() && previewGrace == Long.MAX_VALUE) {
                        previewGrace = System.nanoTime() + Duration.ofSeconds(5).toNanos();
                    }
                    client.pollProgress(progress, Duration.ofMillis(20), strip::add, bad -> System.err.println("undecodable progress event " + bad));
                    client.pollResults(Duration.ofMillis(200), r -> {
                        if (r.getJobId().equals(previewJob.getJobId())) strip.finish(r);
                        Long sent = submittedAt.get(r.getJobId());
                        if (sent != null && !received.containsKey(r.getJobId())) {
                            received.put(r.getJobId(), new Received(r, (System.nanoTime() - sent) / 1e6));
                        }
                    }, bad -> System.err.println("undecodable result " + bad));
                    bar.show(received.size());
                }
                bar.done();
            }
            double wallSeconds = (System.nanoTime() - start) / 1e9;
            return report(info, columns, jobs, received, wallSeconds, fetcher, strip);
        }
    }

    private int report(ModelInfo info, List<Showcase.Column> columns, List<Showcase.ShowJob> jobs, Map<String, Received> received,
                       double wallSeconds, OutputFetcher fetcher, PreviewStrip strip) throws Exception {
        List<String> classNames = info.classNames();
        double guidance = Math.max(1.0, info.defaultSampler().guidanceScale());
        ContactSheet sheet = new ContactSheet(classNames, Showcase.columnLabels(guidance, columns), 3);
        List<HtmlReport.JobRow> rows = new ArrayList<>();
        Map<String, Integer> byStatus = new TreeMap<>();
        LatencyStats latency = new LatencyStats();
        int samples = 0;
        int byReference = 0;
        double batchRowsSum = 0;
        for (Showcase.ShowJob j : jobs) {
            String id = j.request().getJobId();
            Received rec = received.get(id);
            if (rec == null) {
                byStatus.merge("MISSING", 1, Integer::sum);
                rows.add(new HtmlReport.JobRow(id, classNames.get(j.classIndex()), j.column(), "MISSING", 0, 0, 0, 0, "no result within the timeout", null));
                continue;
            }
            GenerationResult r = rec.result();
            byStatus.merge(r.getStatus().name(), 1, Integer::sum);
            latency.record(rec.latencyMs());
            batchRowsSum += r.getBatchStats().getMeanBatchRows();
            byte[] first = null;
            for (SampleOutput o : r.getOutputs()) {
                byte[] png = fetcher == null ? ResultFiles.bytes(o.getData()) : fetcher.bytes(o); // a reference is checked against its SHA-256
                if (o.getReference() != null) byReference++;
                if (first == null) first = png;
                sheet.add(classNames.get(j.classIndex()), j.column(), ImageIO.read(new ByteArrayInputStream(png)));
                samples++;
            }
            rows.add(new HtmlReport.JobRow(id, classNames.get(j.classIndex()), j.column(), r.getStatus().name(), r.getOutputs().size(),
                    rec.latencyMs(), r.getNfe(), r.getBatchStats().getMeanBatchRows(),
                    r.getErrorCode() == null ? null : r.getErrorCode() + ": " + r.getErrorMessage(), first));
        }
        Path sheetFile = out.resolve("contact-sheet.png");
        sheet.writePng(sheetFile);

        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("model", info.name());
        summary.put("jobs_submitted", jobs.size());
        summary.put("results_by_status", byStatus);
        summary.put("samples", samples);
        summary.put("p50_latency_ms", round(latency.percentileMillis(50)));
        summary.put("p99_latency_ms", round(latency.percentileMillis(99)));
        summary.put("samples_per_s", round(samples / Math.max(1e-9, wallSeconds)));
        summary.put("mean_batch_rows", round(received.isEmpty() ? 0 : batchRowsSum / received.size()));
        summary.put("wall_s", round(wallSeconds));
        summary.put("output_store", outputStore.name());
        summary.put("outputs_by_reference", byReference);
        summary.put("preview_events", strip.previews());
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(out.resolve("summary.json").toFile(), summary);
        Path page = out.resolve("index.html");
        HtmlReport.write(page, "Flowline quick start: " + info.name(), sheetFile.getFileName().toString(), summary, rows,
                "Job " + strip.jobId() + " (" + info.classNames().getLast() + ", midpoint, " + Showcase.PREVIEW_JOB_STEPS
                        + " steps) asked for a preview every " + Showcase.PREVIEW_EVERY + " steps: each is the estimate of the final "
                        + "sample x + (1 - t) v from that step's velocity, sent on the progress topic while the job ran.",
                strip.frames(fetcher));

        boolean allSucceeded = byStatus.size() == 1 && byStatus.getOrDefault(JobStatus.SUCCEEDED.name(), 0) == jobs.size();
        System.out.printf("%d jobs, %s; %d samples in %.1f s (%.1f samples/s); latency p50 %.0f ms, p99 %.0f ms; mean batch %.1f rows%n",
                jobs.size(), byStatus, samples, wallSeconds, samples / Math.max(1e-9, wallSeconds), latency.percentileMillis(50),
                latency.percentileMillis(99), received.isEmpty() ? 0 : batchRowsSum / received.size());
        if (fetcher != null) System.out.printf("%d of %d samples went by reference and were read back from the store (SHA-256 checked)%n", byReference, samples);
        System.out.println("contact sheet: " + sheetFile.toAbsolutePath());
        System.out.println("report:        " + page.toAbsolutePath());
        System.out.println("summary:       " + out.resolve("summary.json").toAbsolutePath());
        return allSucceeded ? 0 : 1;
    }

    /** The live-preview job's previews as they arrive (by step), then its final sample. */
    static final class PreviewStrip {
        private final String jobId;
        private final java.util.TreeMap<Integer, ProgressEvent> byStep = new java.util.TreeMap<>();
        private GenerationResult result;

        PreviewStrip(String jobId) {
            this.jobId = jobId;
        }

        String jobId() {
            return jobId;
        }

        void add(ProgressEvent e) {
            if (e.getJobId().equals(jobId) && e.getPreview() != null) byStep.put(e.getStep(), e);
        }

        void finish(GenerationResult r) {
            result = r;
        }

        boolean hasResult() {
            return result != null;
        }

        /** The result is in, and so is a preview for every multiple of the interval before the last step. */
        boolean complete() {
            return result != null && byStep.size() >= Showcase.PREVIEW_JOB_STEPS / Showcase.PREVIEW_EVERY - 1;
        }

        int previews() {
            return byStep.size();
        }

        List<HtmlReport.PreviewFrame> frames(OutputFetcher fetcher) throws java.io.IOException {
            List<HtmlReport.PreviewFrame> frames = new ArrayList<>();
            byStep.forEach((step, e) -> frames.add(new HtmlReport.PreviewFrame(String.format("step %d, t = %.2f", step,
                    e.getPreview().getT()), ResultFiles.bytes(e.getPreview().getPng()))));
            if (result != null && result.getStatus() == JobStatus.SUCCEEDED && !result.getOutputs().isEmpty()) {
                SampleOutput o = result.getOutputs().getFirst();
                frames.add(new HtmlReport.PreviewFrame("final", fetcher == null ? ResultFiles.bytes(o.getData()) : fetcher.bytes(o)));
            }
            return frames;
        }
    }

    private static double round(double v) {
        return Math.round(v * 10) / 10.0;
    }

    /** A one-line progress bar on stderr (redrawn in place on a terminal, a line per 10% otherwise). */
    static final class ProgressBar {
        private final int total;
        private final boolean terminal = System.console() != null;
        private int lastShown = -1;

        ProgressBar(int total) {
            this.total = total;
        }

        void show(int done) {
            if (terminal) {
                int width = 40, filled = total == 0 ? width : done * width / total;
                System.err.printf("\r[%s%s] %d/%d jobs", "#".repeat(filled), ".".repeat(width - filled), done, total);
            } else {
                int tenth = total == 0 ? 10 : done * 10 / total;
                if (tenth != lastShown) {
                    System.err.printf("%d/%d jobs done%n", done, total);
                    lastShown = tenth;
                }
            }
        }

        void done() {
            if (terminal) System.err.println();
        }
    }
}
