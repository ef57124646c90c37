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
 * while it flows (SIGKILL a worker, SIGTERM another, restart the broker, poison records, a crash-looping record that
 * halts every worker that runs it); then counts, from the results, dead-letter and progress topics, that no job was
 * lost. Exit 0 when nothing was lost, the graceful stops exited 0, every poison record was dead-lettered, the
 * crash-looping record was dead-lettered MAX_DELIVERIES and the group's lag is 0.
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

    @Option(names = "--partitions", defaultValue = "6", description = "Partitions of the jobs topic in group mode (default: ${DEFAULT-VALUE}); share mode uses one.")
    int partitions;

    @Option(names = "--model-cost-micros", defaultValue = "3000", description = "Busy time per model call of the analytic model (default: ${DEFAULT-VALUE}).")
    long modelCostMicros;

    @Option(names = "--intake", defaultValue = "group", description = "The workers' kafka.intake: group or share (share: the workers share a one-partition jobs topic; default: ${DEFAULT-VALUE}).")
    String intake;

    @Option(names = "--max-deliveries", defaultValue = "3", description = "The workers' kafka.maxDeliveries: how many workers the crash-looping record halts before it is dead-lettered (default: ${DEFAULT-VALUE}).")
    int maxDeliveries;

    @Option(names = "--timeout", defaultValue = "PT5M", description = "Bound on the whole run, ISO-8601 (default: ${DEFAULT-VALUE}).")
    Duration timeout;

    @Override
    public Integer call() throws Exception {
        ChaosRun.Settings s = new ChaosRun.Settings(jobs, poison, workers, rate, partitions, modelCostMicros, timeout,
                ChaosRun.javaCommand(), System.getProperty("java.class.path"), intake, maxDeliveries);
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
