package dev.flowline.demo;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;

/**
 * {@code flowline-demo chaos}: a broker and workers as separate processes on 127.0.0.1, a stream of jobs, and faults
 * while it flows (SIGKILL a worker, SIGTERM another, restart the broker, poison records); then counts, from the
 * results and dead-letter topics, that no job was lost. Exit 0 when nothing was lost, the graceful stop exited 0,
 * every poison record was dead-lettered and the group's lag is 0.
 */
@Command(name = "chaos", mixinStandardHelpOptions = true,
        description = "Runs a broker and workers as processes, injects crashes, a broker restart and poison records while jobs flow, and checks that no job is lost.")
public final class ChaosCommand implements Callable<Integer> {
    @Option(names = "--json", paramLabel = "FILE", description = "Write the figures as JSON here.")
    Path json;

    @Option(names = "--jobs", defaultValue = "1500", description = "Valid jobs to submit (default: ${DEFAULT-VALUE}).")
    int jobs;

    @Option(names = "--poison", defaultValue = "20", description = "Poison records to inject among them (default: ${DEFAULT-VALUE}).")
    int poison;

    @Option(names = "--workers", defaultValue = "3", description = "Workers running at once (default: ${DEFAULT-VALUE}).")
    int workers;

    @Option(names = "--rate", defaultValue = "60", description = "Jobs submitted per second (default: ${DEFAULT-VALUE}).")
    int rate;

    @Option(names = "--partitions", defaultValue = "6", description = "Partitions of the jobs topic (default: ${DEFAULT-VALUE}).")
    int partitions;

    @Option(names = "--model-cost-micros", defaultValue = "3000", description = "Busy time per model call of the analytic model (default: ${DEFAULT-VALUE}).")
    long modelCostMicros;

    @Option(names = "--timeout", defaultValue = "PT5M", description = "Bound on the whole run, ISO-8601 (default: ${DEFAULT-VALUE}).")
    Duration timeout;

    @Override
    public Integer call() throws Exception {
        ChaosRun.Settings s = new ChaosRun.Settings(jobs, poison, workers, rate, partitions, modelCostMicros, timeout,
                ChaosRun.javaCommand(), System.getProperty("java.class.path"));
        ChaosRun.Report r = new ChaosRun(s, System.out::println).run();
        System.out.println(r.summary());
        if (json != null) {
            if (json.toAbsolutePath().getParent() != null) Files.createDirectories(json.toAbsolutePath().getParent());
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(json.toFile(), r);
            System.out.println("figures written to " + json);
        }
        return r.ok() ? 0 : 1;
    }
}
