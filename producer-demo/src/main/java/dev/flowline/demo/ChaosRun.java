package dev.flowline.demo;

import dev.flowline.avro.DeadLetter;
import dev.flowline.avro.GenerationRequest;
import dev.flowline.avro.GenerationResult;
import dev.flowline.avro.OutputFormat;
import dev.flowline.avro.SamplerSpec;
import dev.flowline.avro.SampleOutput;
import dev.flowline.config.TopicOptions;
import dev.flowline.kafka.TopicSetup;
import dev.flowline.kafka.broker.EmbeddedKafkaBroker;
import dev.flowline.schema.MessageCodec;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * One chaos run (see {@link ChaosCommand}). Every process it starts is destroyed in {@code finally} and by a
 * shutdown hook; everything binds 127.0.0.1; submission is bounded in count and the run in time.
 */
public final class ChaosRun {
    private static final MessageCodec CODEC = MessageCodec.standard();

    public record Settings(int jobs, int poison, int workers, int rate, int partitions, long modelCostMicros,
                           Duration timeout, String java, String classpath) {}

    /** The figures of a run; {@link #ok()} is the verdict. */
    public record Report(int submitted, long succeeded, long failed, long expired, long deadLettered, long lost,
                         List<String> lostIds, long duplicates, boolean duplicatesIdentical, int poisonSent,
                         long poisonDeadLettered, long lag, int sigkills, int sigterms, List<Integer> sigtermExitCodes,
                         int brokerRestarts, long maxWorkerRssKb, long maxWorkerHwmKb, double seconds) {
        public boolean ok() {
            return lost == 0 && duplicatesIdentical && poisonDeadLettered == poisonSent && lag == 0
                    && sigtermExitCodes.stream().allMatch(c -> c == 0);
        }

        public String summary() {
            return String.format("chaos: submitted %d, succeeded %d, failed %d, expired %d, dead-lettered %d, LOST %d, duplicates %d"
                            + " (identical: %s), poison %d sent / %d dead-lettered, lag %d, SIGKILL %d, SIGTERM %d (exit codes %s),"
                            + " broker restarts %d, worker max RSS %d MB (VmHWM %d MB), %.1f s -> %s",
                    submitted, succeeded, failed, expired, deadLettered, lost, duplicates, duplicatesIdentical, poisonSent,
                    poisonDeadLettered, lag, sigkills, sigterms, sigtermExitCodes, brokerRestarts, maxWorkerRssKb / 1024,
                    maxWorkerHwmKb / 1024, seconds, ok() ? "OK" : "FAILED");
        }
    }

    private final Settings s;
    private final Consumer<String> log;
    private final Path dir;
    private final int port = EmbeddedKafkaBroker.freePort();
    private final int controllerPort = EmbeddedKafkaBroker.freePort();
    private final TopicOptions topics;
    private final String group;
    private final List<Process> processes = new ArrayList<>();
    private final Map<Long, long[]> memory = new ConcurrentHashMap<>(); // pid -> {max VmRSS, last VmHWM} in kB
    private Process broker;
    private int workerSeq;

    public ChaosRun(Settings settings, Consumer<String> log) throws IOException {
        this.s = settings;
        this.log = log;
        this.dir = Files.createTempDirectory("flowline-chaos-");
        String prefix = "chaos-" + UUID.randomUUID().toString().substring(0, 8) + ".";
        this.topics = TopicOptions.withPrefix(prefix);
        this.group = prefix + "workers";
    }

    /** The java launcher of this JVM. */
    public static String javaCommand() {
        return ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }

    public Report run() throws Exception {
        Thread hook = new Thread(this::destroyAll, "chaos-cleanup");
        Runtime.getRuntime().addShutdownHook(hook);
        long started = System.nanoTime();
        long deadline = started + s.timeout().toNanos();
        boolean keepLogs = true;
        try {
            startBroker();
            createTopics();
            List<Process> workers = new ArrayList<>();
            for (int i = 0; i < s.workers(); i++) workers.add(startWorker());
            for (Process w : workers) awaitConsuming(w, deadline);
            Thread sampler = Thread.ofPlatform().daemon().name("chaos-rss").start(() -> sampleMemory(workers));

            Map<String, Object> props = Map.of("bootstrap.servers", bootstrap(), "delivery.timeout.ms", 120_000);
            Set<String> submitted = new HashSet<>();
            int poisonSent = 0, sigkills = 0, sigterms = 0, restarts = 0;
            List<Integer> exitCodes = new ArrayList<>();
            List<CompletableFuture<?>> sends = new ArrayList<>();
            try (FlowlineClient client = new FlowlineClient(props, topics, true)) {
                int poisonEvery = s.poison() == 0 ? Integer.MAX_VALUE : Math.max(1, s.jobs() / s.poison());
                long periodNanos = 1_000_000_000L / Math.max(1, s.rate());
                for (int i = 0; i < s.jobs(); i++) {
                    check(deadline, "submitting");
                    String id = "chaos-" + i;
                    sends.add(client.submit(job(id, i)));
                    submitted.add(id);
                    if (i % poisonEvery == poisonEvery / 2 && poisonSent < s.poison()) {
                        sends.add(client.sendRawJob("poison-" + poisonSent, poison(poisonSent)));
                        poisonSent++;
                    }
                    if (i == s.jobs() / 5) {
                        Process victim = workers.remove(0);
                        log.accept("SIGKILL worker pid " + victim.pid() + " mid-batch; starting a replacement");
                        victim.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
                        sigkills++;
                        workers.add(startWorker());
                    } else if (i == 2 * s.jobs() / 5) {
                        awaitConsuming(workers.get(0), deadline);
                        Process victim = workers.remove(0);
                        log.accept("SIGTERM worker pid " + victim.pid() + " (graceful drain)");
                        victim.destroy();
                        boolean exited = victim.waitFor(60, TimeUnit.SECONDS);
                        exitCodes.add(exited ? victim.exitValue() : -1);
                        sigterms++;
                        log.accept("  exited " + (exited ? victim.exitValue() : "(not within 60 s)"));
                        workers.add(startWorker());
                    } else if (i == 3 * s.jobs() / 5) {
                        log.accept("stopping the broker (SIGTERM), restarting it on the same ports and data");
                        client.flush();
                        broker.destroy();
                        broker.waitFor(60, TimeUnit.SECONDS);
                        Thread.sleep(1000);
                        startBroker();
                        restarts++;
                    }
                    long wait = started + (i + 1) * periodNanos - System.nanoTime();
                    if (wait > 0) Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                }
                client.flush();
                for (CompletableFuture<?> f : sends) f.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            }
            log.accept("all " + submitted.size() + " jobs and " + poisonSent + " poison records acked; waiting for results");

            Outcome out = null;
            while (System.nanoTime() < deadline) {
                out = collect();
                Set<String> missing = new HashSet<>(submitted);
                missing.removeAll(out.results.keySet());
                missing.removeAll(out.deadLetteredIds);
                if (missing.isEmpty() && out.poisonDeadLettered >= poisonSent && lag() == 0) break;
                Thread.sleep(1000);
            }
            if (out == null) out = collect();
            sampler.interrupt();
            for (Process w : workers) {
                w.destroy();
                boolean exited = w.waitFor(60, TimeUnit.SECONDS);
                exitCodes.add(exited ? w.exitValue() : -1);
                sigterms++;
            }
            long lag = lag();

            Set<String> lostIds = new HashSet<>(submitted);
            lostIds.removeAll(out.results.keySet());
            lostIds.removeAll(out.deadLetteredIds);
            long duplicates = out.results.values().stream().filter(l -> l.size() > 1).count();
            boolean identical = out.results.values().stream().filter(l -> l.size() > 1).allMatch(ChaosRun::sameOutputs);
            Map<String, Long> status = out.results.values().stream().map(l -> l.get(0).getStatus().name())
                    .collect(Collectors.groupingBy(x -> x, Collectors.counting()));
            long rss = memory.values().stream().mapToLong(m -> m[0]).max().orElse(0);
            long hwm = memory.values().stream().mapToLong(m -> m[1]).max().orElse(0);
            Report report = new Report(submitted.size(), status.getOrDefault("SUCCEEDED", 0L), status.getOrDefault("FAILED", 0L),
                    status.getOrDefault("EXPIRED", 0L), out.deadLetteredIds.size() + out.poisonDeadLettered, lostIds.size(),
                    lostIds.stream().sorted().limit(20).toList(), duplicates, identical, poisonSent, out.poisonDeadLettered, lag,
                    sigkills, sigterms, exitCodes, restarts, rss, hwm, (System.nanoTime() - started) / 1e9);
            keepLogs = !report.ok();
            return report;
        } finally {
            destroyAll();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // already shutting down
            }
            if (keepLogs) log.accept("broker and worker logs kept in " + dir);
            else deleteRecursively(dir);
        }
    }

    // ---- processes ----

    private String bootstrap() {
        return "127.0.0.1:" + port;
    }

    private void startBroker() throws Exception {
        ProcessBuilder pb = new ProcessBuilder(s.java(), "-Xmx512m", "-cp", s.classpath(), EmbeddedKafkaBroker.class.getName(),
                "--port", String.valueOf(port), "--controller-port", String.valueOf(controllerPort),
                "--dir", dir.resolve("broker").toString(), "--partitions", String.valueOf(s.partitions()))
                .redirectErrorStream(true);
        Process p = pb.start();
        register(p);
        broker = p;
        CompletableFuture<Void> ready = new CompletableFuture<>();
        Path logFile = dir.resolve("broker-" + p.pid() + ".log");
        Thread.ofPlatform().daemon().name("broker-out").start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
                 var w = Files.newBufferedWriter(logFile)) {
                String line;
                while ((line = r.readLine()) != null) {
                    if (line.startsWith("READY ")) ready.complete(null);
                    w.write(line);
                    w.newLine();
                }
            } catch (IOException e) {
                // the process ended
            }
            ready.completeExceptionally(new IllegalStateException("the broker exited before READY; see " + logFile));
        });
        ready.get(90, TimeUnit.SECONDS);
        log.accept("broker pid " + p.pid() + " ready on " + bootstrap());
    }

    private Process startWorker() throws IOException {
        String id = "chaos-worker-" + (workerSeq++);
        ProcessBuilder pb = new ProcessBuilder(s.java(), "-Xmx256m", "-cp", s.classpath(), "dev.flowline.cli.WorkerMain", "run")
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve(id + ".log").toFile());
        Map<String, String> env = pb.environment();
        env.keySet().removeIf(k -> k.startsWith("FLOWLINE_"));
        env.put("FLOWLINE_WORKER_ID", id);
        env.put("FLOWLINE_WORKER_DRAIN_TIMEOUT_MS", "15000");
        env.put("FLOWLINE_KAFKA_BOOTSTRAP_SERVERS", bootstrap());
        env.put("FLOWLINE_KAFKA_GROUP_ID", group);
        env.put("FLOWLINE_KAFKA_COMMIT_INTERVAL_MS", "200");
        env.put("FLOWLINE_KAFKA_REVOKE_GRACE_MS", "1000");
        env.put("FLOWLINE_TOPICS_PREFIX", topics.prefix());
        env.put("FLOWLINE_MODELS_BUILTIN", "false");
        env.put("FLOWLINE_MODELS_ANALYTIC", "true");
        env.put("FLOWLINE_MODELS_ANALYTIC_COST_PER_CALL_MICROS", String.valueOf(s.modelCostMicros()));
        env.put("FLOWLINE_HTTP_ENABLED", "false");
        env.put("FLOWLINE_TELEMETRY_JOB_EVENTS", "false");
        Process p = pb.start();
        register(p);
        workerLogs.put(p.pid(), dir.resolve(id + ".log"));
        log.accept("worker " + id + " pid " + p.pid() + " started");
        return p;
    }

    private final Map<Long, Path> workerLogs = new ConcurrentHashMap<>();

    /** Waits until the worker logged that it consumes (so that a SIGTERM meets a running worker, not a starting JVM). */
    private void awaitConsuming(Process w, long deadline) throws Exception {
        Path logFile = workerLogs.get(w.pid());
        while (System.nanoTime() < deadline && w.isAlive()) {
            if (Files.exists(logFile) && Files.readString(logFile, StandardCharsets.ISO_8859_1).contains(" consuming ")) return;
            Thread.sleep(200);
        }
        throw new IllegalStateException("worker pid " + w.pid() + " did not start consuming; see " + logFile);
    }

    private synchronized void register(Process p) {
        processes.add(p);
    }

    private synchronized void destroyAll() {
        for (Process p : processes) {
            if (!p.isAlive()) continue;
            p.destroy();
            try {
                if (!p.waitFor(20, TimeUnit.SECONDS)) p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Samples VmRSS and VmHWM of the live workers twice a second (read before they exit). */
    private void sampleMemory(List<Process> workers) {
        while (!Thread.currentThread().isInterrupted()) {
            List<Process> snapshot;
            synchronized (this) {
                snapshot = processes.stream().filter(p -> p != broker && p.isAlive()).toList();
            }
            for (Process p : snapshot) {
                try {
                    long rss = 0, hwm = 0;
                    for (String line : Files.readAllLines(Path.of("/proc/" + p.pid() + "/status"))) {
                        if (line.startsWith("VmRSS:")) rss = kb(line);
                        if (line.startsWith("VmHWM:")) hwm = kb(line);
                    }
                    long r = rss, h = hwm;
                    memory.merge(p.pid(), new long[] {r, h}, (a, b) -> new long[] {Math.max(a[0], b[0]), Math.max(a[1], b[1])});
                } catch (IOException | RuntimeException e) {
                    // exited meanwhile, or no /proc
                }
            }
            try {
                Thread.sleep(500);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private static long kb(String line) {
        return Long.parseLong(line.replaceAll("[^0-9]", ""));
    }

    // ---- Kafka ----

    private void createTopics() throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap()))) {
            List<NewTopic> list = topics.allTopics().stream()
                    .map(t -> new NewTopic(t, t.equals(topics.controlTopic()) ? 1 : s.partitions(), (short) 1)).toList();
            TopicSetup.ensureTopics(admin, list, Duration.ofSeconds(60));
        }
    }

    private GenerationRequest job(String id, int i) {
        return GenerationRequest.newBuilder().setJobId(id).setModel("analytic").setNumSamples(1)
                .setSampler(SamplerSpec.newBuilder().setSolver("euler").setSteps(8).build())
                .setSeed(i).setOutputFormat(OutputFormat.RAW_FLOAT32).build();
    }

    /** Poison of a few kinds, in turn: garbage, truncated Avro, an invalid field. */
    private byte[] poison(int n) {
        return switch (n % 3) {
            case 0 -> ("poison " + n).getBytes(StandardCharsets.UTF_8);
            case 1 -> {
                byte[] valid = CODEC.encode(job("poison-" + n, n));
                yield Arrays.copyOf(valid, valid.length / 2);
            }
            default -> {
                GenerationRequest r = job("poison-" + n, n);
                r.getSampler().setSteps(0);
                yield CODEC.encode(r);
            }
        };
    }

    private record Outcome(Map<String, List<GenerationResult>> results, Set<String> deadLetteredIds, long poisonDeadLettered) {}

    /** Reads the results and dead-letter topics from the beginning to their current end. */
    private Outcome collect() {
        Map<String, List<GenerationResult>> results = new HashMap<>();
        Set<String> dlqIds = new HashSet<>();
        Set<String> poison = new HashSet<>(); // distinct: a dead letter is at-least-once too (redone after a crash)
        readAll(topics.resultsTopic(), v -> {
            GenerationResult r = CODEC.decode(v, GenerationResult.class);
            results.computeIfAbsent(r.getJobId(), k -> new ArrayList<>()).add(r);
        });
        readAll(topics.deadLetterTopic(), v -> {
            DeadLetter d = CODEC.decode(v, DeadLetter.class);
            String key = d.getOriginalKey();
            if (key != null && key.startsWith("poison-")) poison.add(key);
            else if (d.getJobId() != null) dlqIds.add(d.getJobId());
        });
        return new Outcome(results, dlqIds, poison.size());
    }

    private interface Decoder {
        void accept(byte[] value) throws Exception;
    }

    private void readAll(String topic, Decoder onValue) {
        Map<String, Object> p = Map.of("bootstrap.servers", bootstrap(), "max.partition.fetch.bytes", 2_000_000);
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> parts = c.partitionsFor(topic).stream().map(i -> new TopicPartition(topic, i.partition())).toList();
            c.assign(parts);
            c.seekToBeginning(parts);
            Map<TopicPartition, Long> end = c.endOffsets(parts);
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (parts.stream().anyMatch(tp -> c.position(tp) < end.get(tp)) && System.nanoTime() < until) {
                for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(200))) {
                    try {
                        onValue.accept(r.value());
                    } catch (Exception e) {
                        log.accept("undecodable record on " + topic + ": " + e.getMessage());
                    }
                }
            }
        }
    }

    /** The group's committed offsets against the log end of the jobs topic, summed (0 = everything committed). */
    private long lag() {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap()))) {
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            for (int i = 0; i < s.partitions(); i++) latest.put(new TopicPartition(topics.jobsTopic(), i), OffsetSpec.latest());
            var ends = admin.listOffsets(latest).all().get(30, TimeUnit.SECONDS);
            long lag = 0;
            for (TopicPartition tp : latest.keySet()) {
                OffsetAndMetadata c = committed.get(tp);
                lag += ends.get(tp).offset() - (c == null ? 0 : c.offset());
            }
            return lag;
        } catch (Exception e) {
            log.accept("lag unknown: " + e);
            return -1;
        }
    }

    private static boolean sameOutputs(List<GenerationResult> copies) {
        GenerationResult first = copies.get(0);
        return copies.stream().allMatch(r -> r.getStatus() == first.getStatus() && data(r).equals(data(first)));
    }

    private static List<ByteBuffer> data(GenerationResult r) {
        return r.getOutputs().stream().sorted(Comparator.comparingInt(SampleOutput::getIndex)).map(SampleOutput::getData).toList();
    }

    private static void check(long deadline, String what) {
        if (System.nanoTime() > deadline) throw new IllegalStateException("chaos run timed out while " + what);
    }

    private static void deleteRecursively(Path d) {
        try (Stream<Path> paths = Files.walk(d)) {
            paths.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
        } catch (IOException e) {
            // best effort
        }
    }
}
