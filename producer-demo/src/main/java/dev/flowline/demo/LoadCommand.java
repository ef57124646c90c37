package dev.flowline.demo;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.flowline.bench.WorkloadMix;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;

/** Open-loop load generator: Poisson arrivals with a sampler mix; prints latency percentiles, throughput, a histogram. */
@Command(name = "load", mixinStandardHelpOptions = true,
        description = "Open-loop load: Poisson arrivals at --rate for --duration with a sampler mix (30% 4-step Euler, "
                + "50% 8-step Heun w=2, 20% 32-step RK4). Without --bootstrap it runs an embedded broker and worker.")
final class LoadCommand implements Callable<Integer> {
    @Mixin ClusterOptions cluster;

    @Option(names = "--rate", defaultValue = "5", description = "Jobs per second (default: ${DEFAULT-VALUE}).")
    double rate;

    @Option(names = "--duration", defaultValue = "30", description = "Seconds of arrivals (default: ${DEFAULT-VALUE}).")
    double duration;

    @Option(names = "--model", defaultValue = "fashion-mnist", description = "Model (default: ${DEFAULT-VALUE}).")
    String model;

    @Option(names = "--samples", defaultValue = "0", description = "Samples per job; 0 keeps the mix's (default: ${DEFAULT-VALUE}).")
    int samples;

    @Option(names = "--seed", defaultValue = "42", description = "Seed of the arrival trace and the mix (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--drain-timeout", defaultValue = "60", description = "Seconds to wait for results after the last arrival (default: ${DEFAULT-VALUE}).")
    long drainSeconds;

    @Option(names = "--batching-mode", description = "Embedded worker only: CONTINUOUS, REQUEST or NONE.")
    String batchingMode;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the figures as JSON.")
    Path json;

    @Override
    public Integer call() throws Exception {
        EmbeddedStack stack = null;
        try {
            String bootstrap;
            if (cluster.hasBootstrap()) {
                bootstrap = cluster.bootstrap();
            } else {
                System.err.println("no --bootstrap: starting an embedded broker and worker");
                stack = EmbeddedStack.start(batchingMode == null ? Map.of() : Map.of("batching.mode", batchingMode));
                bootstrap = stack.bootstrapServers();
            }
            LoadRun run;
            try (FlowlineClient client = new FlowlineClient(cluster.clientProperties(bootstrap), cluster.topics(), false)) {
                client.awaitResultsAssignment(Duration.ofSeconds(30));
                run = new LoadRun(client, model, WorkloadMix.DEFAULT, samples, seed);
                run.run(rate, duration, Duration.ofSeconds(drainSeconds));
            }
            Map<String, Object> figures = run.figures(rate, duration);
            System.out.printf("submitted %d, completed %d %s in %.1f s: %.2f jobs/s%n", run.submitted, run.completed, run.byStatus,
                    run.elapsedSeconds, run.jobsPerSecond());
            System.out.printf("latency p50 %.0f ms, p95 %.0f ms, p99 %.0f ms, max %.0f ms%n", run.latency.percentileMillis(50),
                    run.latency.percentileMillis(95), run.latency.percentileMillis(99), run.latency.maxMillis());
            run.latencyByMix.forEach((k, v) -> System.out.printf("  %-14s n=%-5d p50 %6.0f ms  p99 %6.0f ms%n", k, v.count(),
                    v.percentileMillis(50), v.percentileMillis(99)));
            System.out.print(run.latency.histogramText(40));
            if (json != null) {
                if (json.getParent() != null) Files.createDirectories(json.getParent());
                new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(json.toFile(), figures);
                System.out.println("figures written to " + json);
            }
            return run.completed == run.submitted ? 0 : 1;
        } finally {
            if (stack != null) stack.close();
        }
    }
}
