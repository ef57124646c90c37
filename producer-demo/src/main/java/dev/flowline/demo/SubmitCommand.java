package dev.flowline.demo;

import dev.flowline.avro.Conditioning;
import dev.flowline.avro.GenerationRequest;
import dev.flowline.avro.OutputFormat;
import dev.flowline.avro.SamplerSpec;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;

/** Submits jobs from flags or a JSONL file and prints their ids. */
@Command(name = "submit", mixinStandardHelpOptions = true,
        description = "Submits jobs from flags or from a JSONL file (one GenerationRequest per line, Avro JSON) and prints their ids.")
final class SubmitCommand implements Callable<Integer> {
    @Mixin ClusterOptions cluster;

    @Option(names = "--file", paramLabel = "JOBS.jsonl", description = "Read jobs from this JSONL file instead of the flags.")
    Path file;

    @Option(names = "--model", defaultValue = "fashion-mnist", description = "Model name (default: ${DEFAULT-VALUE}).")
    String model;

    @Option(names = "--class", paramLabel = "LABEL", description = "Class label to condition on (omit for unconditional).")
    Integer classLabel;

    @Option(names = "--samples", defaultValue = "4", description = "Samples per job (default: ${DEFAULT-VALUE}).")
    int samples;

    @Option(names = "--solver", defaultValue = "heun", description = "euler, midpoint, heun, ralston3, rk4, dopri5, ab2, ab3 (default: ${DEFAULT-VALUE}).")
    String solver;

    @Option(names = "--steps", description = "Solver steps (default: the model's).")
    Integer steps;

    @Option(names = "--schedule", description = "uniform, shifted or a named schedule of the model.")
    String schedule;

    @Option(names = "--guidance", defaultValue = "1.0", description = "Classifier-free guidance scale w; 1 = none (default: ${DEFAULT-VALUE}).")
    double guidance;

    @Option(names = "--seed", description = "Noise seed (default: random).")
    Long seed;

    @Option(names = "--priority", defaultValue = "0", description = "Higher runs first (default: ${DEFAULT-VALUE}).")
    int priority;

    @Option(names = "--deadline-ms", description = "Expire the job this many milliseconds from now.")
    Long deadlineMs;

    @Option(names = "--raw", description = "Ask for raw float32 outputs instead of PNG.")
    boolean raw;

    @Option(names = "--progress", description = "Ask for progress events.")
    boolean progress;

    @Option(names = "--preview-every", paramLabel = "K", description = "With --progress: a preview image every K steps (see watch --previews).")
    Integer previewEvery;

    @Option(names = "--count", defaultValue = "1", description = "Number of jobs to submit from the flags (default: ${DEFAULT-VALUE}).")
    int count;

    @Override
    public Integer call() throws Exception {
        if (!cluster.hasBootstrap()) {
            System.err.println("submit needs --bootstrap HOST:PORT (for a self-contained run use `flowline-demo embedded`).");
            return 2;
        }
        List<GenerationRequest> jobs = file != null ? readFile() : fromFlags();
        cluster.requireReachable(cluster.bootstrap());
        try (FlowlineClient client = new FlowlineClient(cluster.clientProperties(cluster.bootstrap()), cluster.topics(), false)) {
            List<CompletableFuture<?>> sent = new ArrayList<>();
            for (GenerationRequest job : jobs) {
                sent.add(client.submit(job).thenAccept(md -> System.out.println(job.getJobId())));
            }
            client.flush();
            CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).get();
        }
        System.err.println("submitted " + jobs.size() + " job(s) to " + cluster.topics().jobsTopic());
        return 0;
    }

    private List<GenerationRequest> readFile() throws Exception {
        try (Reader r = Files.newBufferedReader(file)) {
            return JsonlJobs.read(r, file.toString());
        } catch (java.io.IOException e) {
            throw new dev.flowline.cli.CliErrors.UserError("--file " + file + ": cannot read it (" + e.getClass().getSimpleName() + ")", e);
        }
    }

    private List<GenerationRequest> fromFlags() {
        List<GenerationRequest> jobs = new ArrayList<>();
        long base = seed != null ? seed : new java.security.SecureRandom().nextLong();
        for (int i = 0; i < count; i++) {
            GenerationRequest.Builder b = GenerationRequest.newBuilder()
                    .setJobId(UUID.randomUUID().toString())
                    .setModel(model)
                    .setNumSamples(samples)
                    .setSampler(SamplerSpec.newBuilder().setSolver(solver).setSteps(steps).setSchedule(schedule)
                            .setGuidanceScale(guidance).build())
                    .setSeed(base + i)
                    .setPriority(priority)
                    .setOutputFormat(raw ? OutputFormat.RAW_FLOAT32 : OutputFormat.PNG)
                    .setProgress(progress)
                    .setPreviewEvery(previewEvery);
            if (classLabel != null) b.setConditioning(Conditioning.newBuilder().setClassLabel(classLabel).build());
            if (deadlineMs != null) b.setDeadline(Instant.now().plusMillis(deadlineMs));
            jobs.add(b.build());
        }
        return jobs;
    }
}
