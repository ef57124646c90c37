package dev.flowline.demo;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Follows the results topic, writes each result's outputs to a directory and prints one line per job. Samples the
 * worker stored in an object store are fetched by their {@code s3://} reference and checked against their SHA-256.
 */
@Command(name = "watch", mixinStandardHelpOptions = true,
        description = "Follows the results topic, writes each result's images to a directory (following s3:// references and "
                + "verifying their SHA-256), prints one line per job.")
final class WatchCommand implements Callable<Integer> {
    @Mixin ClusterOptions cluster;

    @Option(names = "--out", defaultValue = "results", description = "Directory for the outputs (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--previews", paramLabel = "DIR", description = "Also follow the progress topic and write the preview images "
            + "of jobs submitted with previewEvery to DIR as <jobId>-preview-s<step>-i<sample>.png.")
    Path previews;

    @Option(names = "--from-beginning", description = "Read the results topic from its start instead of from now.")
    boolean fromBeginning;

    @Option(names = "--max-jobs", description = "Stop after this many results.")
    Integer maxJobs;

    @Option(names = "--idle-timeout-s", description = "Stop when no result arrived for this many seconds.")
    Integer idleTimeoutSeconds;

    @Option(names = "--s3-endpoint", paramLabel = "URL", description = "S3-compatible endpoint of referenced outputs (e.g. http://minio:9000); AWS S3 when unset.")
    java.net.URI s3Endpoint;

    @Option(names = "--s3-region", defaultValue = "us-east-1", description = "Region of the output store (default: ${DEFAULT-VALUE}).")
    String s3Region;

    @Option(names = "--s3-path-style", description = "Path-style S3 requests (most S3-compatible servers need them; implied by --s3-endpoint).")
    boolean s3PathStyle;

    private OutputFetcher fetcher;

    /** Credentials come from the AWS SDK's default chain; the fetcher is made at the first reference. */
    private byte[] sample(dev.flowline.avro.SampleOutput o) throws java.io.IOException {
        if (o.getReference() == null) return ResultFiles.bytes(o.getData());
        if (fetcher == null) fetcher = new OutputFetcher(s3Endpoint, s3Region, s3PathStyle || s3Endpoint != null);
        return fetcher.bytes(o);
    }

    @Override
    public Integer call() throws Exception {
        try {
            return watch();
        } finally {
            if (fetcher != null) fetcher.close();
        }
    }

    private int watch() throws Exception {
        if (!cluster.hasBootstrap()) {
            System.err.println("watch needs --bootstrap HOST:PORT (for a self-contained run use `flowline-demo embedded`).");
            return 2;
        }
        cluster.requireReachable(cluster.bootstrap());
        AtomicInteger seen = new AtomicInteger();
        long lastResult = System.nanoTime();
        try (FlowlineClient client = new FlowlineClient(cluster.clientProperties(cluster.bootstrap()), cluster.topics(), fromBeginning);
             var progress = previews == null ? null : client.progressConsumer(cluster.clientProperties(cluster.bootstrap()), fromBeginning)) {
            while (maxJobs == null || seen.get() < maxJobs) {
                if (progress != null) pollPreviews(client, progress);
                int n = client.pollResults(Duration.ofMillis(500), r -> {
                    try {
                        ResultFiles.write(out, r, this::sample);
                    } catch (java.io.IOException e) {
                        System.err.println("cannot write outputs of " + r.getJobId() + ": " + e.getMessage());
                    }
                    System.out.println(ResultFiles.line(r));
                    seen.incrementAndGet();
                }, bad -> System.err.println("undecodable result " + bad));
                if (n > 0) lastResult = System.nanoTime();
                else if (idleTimeoutSeconds != null && System.nanoTime() - lastResult > idleTimeoutSeconds * 1_000_000_000L) break;
            }
            if (progress != null) drainPreviews(client, progress);
        }
        return 0;
    }

    /**
     * Before exiting: the previews already on the progress topic (those of the jobs just reported come before their
     * results, but the progress consumer may still be joining or behind), bounded to 10 s.
     */
    private void drainPreviews(FlowlineClient client, org.apache.kafka.clients.consumer.KafkaConsumer<String, byte[]> progress) {
        long until = System.nanoTime() + 10_000_000_000L;
        while (System.nanoTime() < until) {
            pollPreviews(client, progress);
            var assigned = progress.assignment();
            if (assigned.isEmpty()) continue;
            var end = progress.endOffsets(assigned);
            if (assigned.stream().allMatch(tp -> progress.position(tp) >= end.get(tp))) return;
        }
    }

    /** Previews are written as they come; a result's line does not wait for them (they are best effort). */
    private void pollPreviews(FlowlineClient client, org.apache.kafka.clients.consumer.KafkaConsumer<String, byte[]> progress) {
        client.pollProgress(progress, Duration.ofMillis(50), e -> {
            try {
                java.nio.file.Path f = PreviewFiles.write(previews, e);
                if (f != null) System.err.println("preview " + f); // stdout stays one line per result
            } catch (java.io.IOException ex) {
                System.err.println("cannot write the preview of " + e.getJobId() + ": " + ex.getMessage());
            }
        }, bad -> System.err.println("undecodable progress event " + bad));
    }
}
