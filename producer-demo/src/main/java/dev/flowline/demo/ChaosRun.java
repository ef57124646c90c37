package dev.flowline.demo;

import dev.flowline.avro.DeadLetter;
import dev.flowline.avro.GenerationRequest;
import dev.flowline.avro.GenerationResult;
import dev.flowline.avro.OutputFormat;
import dev.flowline.avro.ProgressEvent;
import dev.flowline.avro.SamplerSpec;
import dev.flowline.avro.SampleOutput;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.flowline.cli.WorkerMain;
import dev.flowline.config.TopicOptions;
import dev.flowline.kafka.IntakeVerticle;
import dev.flowline.kafka.TopicSetup;
import dev.flowline.kafka.broker.EmbeddedKafkaBroker;
import dev.flowline.schema.MessageCodec;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.ListShareGroupOffsetsSpec;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
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

    /**
     * @param intake        {@code group} or {@code share} (the workers' {@code kafka.intake}; share puts the jobs on ONE
     *                      partition, which three workers share)
     * @param maxDeliveries the workers' {@code kafka.maxDeliveries}: how many workers the crash-looping record kills
     *                      before it is dead-lettered
     */
    public record Settings(int jobs, int poison, int workers, int rate, int partitions, long modelCostMicros,
                           Duration timeout, String java, String classpath, String intake, int maxDeliveries) {
        public Settings {
            if (!intake.equals("group") && !intake.equals("share")) throw new IllegalArgumentException("intake must be group or share: " + intake);
            if (maxDeliveries < 1 || maxDeliveries > 9) throw new IllegalArgumentException("maxDeliveries must be 1..9 (share.delivery.count.limit is 2..10)");
        }

        boolean share() {
            return intake.equals("share");
        }

        /** Partitions of the topics: share mode runs on one, to show several workers sharing it. */
        int topicPartitions() {
            return share() ? 1 : partitions;
        }
    }

    /**
     * The figures of a run; {@link #ok()} is the verdict. Executions are seen from outside: a job ran on a worker when
     * that worker published a progress event (sent after its first step) or a result for it, so an execution a
     * SIGKILL cut before its first progress event left the worker is not seen (both counts below are lower bounds).
     *
     * @param rerunAfterCrash          jobs that ran on a killed worker and on another one
     * @param rerunTotal               jobs executed more than once for any reason (e.g. a record delivered again after
     *                                 its acknowledgement was lost in a broker restart, possibly to the same worker)
     * @param inFlightAtKill           jobs a killed worker (SIGKILL, or the crash loop) had started and not finished
     * @param finishedUnsettledAtKill  jobs a killed worker finished (result published) that ran again: the worker died
     *                                 between the result and its commit (group) or ACCEPT (share) reaching the broker
     * @param crashLoopKills           workers the crash-looping record killed
     * @param jobsDeadLetteredMaxDeliveries valid jobs dead-lettered MAX_DELIVERIES (in share mode, records a crashed
     *                                 worker held are counted a delivery too; see README)
     * @param workersThatProcessed     of the workers started first, how many published results
     */
    public record Report(int submitted, long succeeded, long failed, long expired, long deadLettered, long lost,
                         List<String> lostIds, long duplicates, boolean duplicatesIdentical, int poisonSent,
                         long poisonDeadLettered, long lag, int sigkills, int sigterms, List<Integer> sigtermExitCodes,
                         int brokerRestarts, long maxWorkerRssKb, long maxWorkerHwmKb, double seconds,
                         @JsonProperty("intake") String intake,
                         @JsonProperty("crash_loop_dead_lettered") boolean crashLoopDeadLettered,
                         @JsonProperty("crash_loop_kills") int crashLoopKills,
                         @JsonProperty("max_deliveries") int maxDeliveries,
                         @JsonProperty("rerun_after_crash") long rerunAfterCrash,
                         @JsonProperty("rerun_total") long rerunTotal,
                         @JsonProperty("in_flight_at_kill") long inFlightAtKill,
                         @JsonProperty("finished_unsettled_at_kill") long finishedUnsettledAtKill,
                         @JsonProperty("jobs_dead_lettered_max_deliveries") long jobsDeadLetteredMaxDeliveries,
                         @JsonProperty("jobs_partitions") int jobsPartitions,
                         @JsonProperty("workers_started") int workersStarted,
                         @JsonProperty("workers_with_results") int workersWithResults,
                         @JsonProperty("workers_that_processed") int workersThatProcessed) {
        @JsonProperty("poison_sent")
        public int poisonSentSnake() {
            return poisonSent;
        }

        public boolean ok() {
            // share mode: lag is the share coordinator's persisted start offset, which may trail (reported, not judged)
            return lost == 0 && duplicatesIdentical && poisonDeadLettered == poisonSent && (lag == 0 || intake.equals("share"))
                    && sigtermExitCodes.stream().allMatch(c -> c == 0) && crashLoopDeadLettered;
        }

        public String summary() {
            return String.format("chaos (%s intake, %d jobs partition(s)): submitted %d, succeeded %d, failed %d, expired %d, dead-lettered %d, LOST %d, duplicates %d"
                            + " (identical: %s), poison %d sent / %d dead-lettered, crash loop dead-lettered %s after %d kills"
                            + " (valid jobs dead-lettered MAX_DELIVERIES %d), rerun after crash %d / in flight at kill %d + finished unsettled %d (rerun in all %d), lag %d, SIGKILL %d, SIGTERM %d (exit codes %s),"
                            + " broker restarts %d, workers started %d, with results %d (of the first ones %d), worker max RSS %d MB (VmHWM %d MB), %.1f s -> %s",
                    intake, jobsPartitions, submitted, succeeded, failed, expired, deadLettered, lost, duplicates, duplicatesIdentical, poisonSent,
                    poisonDeadLettered, crashLoopDeadLettered, crashLoopKills, jobsDeadLetteredMaxDeliveries, rerunAfterCrash, inFlightAtKill, finishedUnsettledAtKill, rerunTotal,
                    lag, sigkills, sigterms, sigtermExitCodes, brokerRestarts, workersStarted, workersWithResults, workersThatProcessed,
                    maxWorkerRssKb / 1024, maxWorkerHwmKb / 1024, seconds, ok() ? "OK" : "FAILED");
        }
    }

    /** Key and job id of the crash-looping record (a job of the test-only model that halts its worker). */
    static final String CRASH_LOOP_ID = "crash-loop";
    private static final String CRASH_MODEL = "crash";
    static final int SHARE_CAPACITY = 8;

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
            for (Process w : workers) {
                if (!awaitConsuming(w, deadline)) throw new IllegalStateException("worker pid " + w.pid() + " exited while starting; see " + workerLogs.get(w.pid()));
            }
            Set<String> firstWorkers = workers.stream().map(w -> workerIds.get(w.pid())).collect(Collectors.toSet());
            // share mode: jobs go to whichever member fetches first; wait until all are members with the partition
            if (s.share()) awaitShareMembers(s.workers(), deadline);
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
                    replaceCrashed(workers);
                    String id = "chaos-" + i;
                    sends.add(client.submit(job(id, i)));
                    submitted.add(id);
                    if (i % poisonEvery == poisonEvery / 2 && poisonSent < s.poison()) {
                        sends.add(client.sendRawJob("poison-" + poisonSent, poison(poisonSent)));
                        poisonSent++;
                    }
                    if (i == s.jobs() / 5) {
                        // the first fault waits (bounded) until every first worker published a result: the SIGKILL
                        // meets a working worker, and in share mode all of them were seen sharing the one partition
                        awaitResultsFrom(firstWorkers, Math.min(deadline, System.nanoTime() + TimeUnit.SECONDS.toNanos(30)));
                        Process victim = workers.remove(0);
                        log.accept("SIGKILL worker pid " + victim.pid() + " mid-batch; starting a replacement");
                        victim.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
                        killed.add(workerIds.get(victim.pid()));
                        sigkills++;
                        workers.add(startWorker());
                    } else if (i == 2 * s.jobs() / 5) {
                        Process victim = consumingWorker(workers, deadline);
                        workers.remove(victim);
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
                    } else if (i == 7 * s.jobs() / 10) {
                        // after the broker restart, so that the crash loop and the restart are told apart in the logs
                        log.accept("sending the crash-looping record (every worker that runs it halts)");
                        sends.add(client.sendRawJob(CRASH_LOOP_ID, CODEC.encode(crashJob())));
                    }
                    long wait = started + (i + 1) * periodNanos - System.nanoTime();
                    if (wait > 0) Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                }
                client.flush();
                for (CompletableFuture<?> f : sends) f.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            }
            log.accept("all " + submitted.size() + " jobs, " + poisonSent + " poison records and the crash-looping record acked; waiting for results");

            Outcome out = null;
            long accountedAt = 0;
            while (System.nanoTime() < deadline) {
                replaceCrashed(workers);
                out = collect();
                Set<String> missing = new HashSet<>(submitted);
                missing.removeAll(out.results.keySet());
                missing.removeAll(out.deadLetteredIds.keySet());
                boolean accounted = missing.isEmpty() && out.poisonDeadLettered >= poisonSent && out.crashLoopCode != null;
                if (accounted && lag() == 0) break;
                // a share group's start offset is the share coordinator's persisted state, which may trail the last
                // acknowledgements: once every job is accounted for, give it a bounded while, then report what it says
                if (accounted && s.share()) {
                    if (accountedAt == 0) accountedAt = System.nanoTime();
                    else if (System.nanoTime() - accountedAt > TimeUnit.SECONDS.toNanos(20)) break;
                }
                Thread.sleep(1000);
            }
            if (out == null) out = collect();
            sampler.interrupt();
            for (Process w : workers) {
                if (!w.isAlive()) continue; // a late crash, counted below
                w.destroy();
                boolean exited = w.waitFor(60, TimeUnit.SECONDS);
                exitCodes.add(exited ? w.exitValue() : -1);
                sigterms++;
            }
            countLateCrashes(workers);
            long lag = lag();

            Set<String> lostIds = new HashSet<>(submitted);
            lostIds.removeAll(out.results.keySet());
            lostIds.removeAll(out.deadLetteredIds.keySet());
            long duplicates = out.results.values().stream().filter(l -> l.size() > 1).count();
            boolean identical = out.results.values().stream().filter(l -> l.size() > 1).allMatch(ChaosRun::sameOutputs);
            Map<String, Long> status = out.results.values().stream().map(l -> l.get(0).getStatus().name())
                    .collect(Collectors.groupingBy(x -> x, Collectors.counting()));
            long rss = memory.values().stream().mapToLong(m -> m[0]).max().orElse(0);
            long hwm = memory.values().stream().mapToLong(m -> m[1]).max().orElse(0);

            // executions seen from outside: progress events (after a job's first step) and results, by worker
            long rerun = 0, rerunAny = 0, inFlight = 0, finishedUnsettled = 0;
            Set<String> withResults = new HashSet<>();
            for (String id : submitted) {
                List<GenerationResult> results = out.results.getOrDefault(id, List.of());
                Set<String> finishedOn = results.stream().map(r -> r.getWorkerId().toString()).collect(Collectors.toSet());
                withResults.addAll(finishedOn);
                Set<String> ranOn = new HashSet<>(out.startedOn.getOrDefault(id, Set.of()));
                ranOn.addAll(finishedOn);
                // a second result from the same worker is a second execution too (a record delivered again to it)
                if (Math.max(ranOn.size(), results.size()) > 1) rerunAny++;
                boolean onKilled = ranOn.stream().anyMatch(killed::contains);
                if (onKilled && ranOn.size() > 1) rerun++;
                // finished on a killed worker and still run again: its commit or ACCEPT had not reached the broker
                if (ranOn.size() > 1 && finishedOn.stream().anyMatch(killed::contains)) finishedUnsettled++;
                if (ranOn.stream().anyMatch(w -> killed.contains(w) && !finishedOn.contains(w))) inFlight++;
            }
            long maxDeliveriesJobs = out.deadLetteredIds.values().stream().filter(IntakeVerticle.MAX_DELIVERIES::equals).count();
            Report report = new Report(submitted.size(), status.getOrDefault("SUCCEEDED", 0L), status.getOrDefault("FAILED", 0L),
                    status.getOrDefault("EXPIRED", 0L), out.deadLetteredIds.size() + out.poisonDeadLettered, lostIds.size(),
                    lostIds.stream().sorted().limit(20).toList(), duplicates, identical, poisonSent, out.poisonDeadLettered, lag,
                    sigkills, sigterms, exitCodes, restarts, rss, hwm, (System.nanoTime() - started) / 1e9,
                    s.intake(), IntakeVerticle.MAX_DELIVERIES.equals(out.crashLoopCode), crashLoopKills, s.maxDeliveries(),
                    rerun, rerunAny, inFlight, finishedUnsettled, maxDeliveriesJobs, s.topicPartitions(), workerSeq, withResults.size(),
                    (int) firstWorkers.stream().filter(withResults::contains).count());
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

    /** Worker ids that were killed (SIGKILL or the crash loop): their unfinished executions were in flight at the kill. */
    private final Set<String> killed = ConcurrentHashMap.newKeySet();
    private int crashLoopKills;

    /** Replaces every worker that exited by itself (the crash-looping record halted it), so that s.workers() keep running. */
    private void replaceCrashed(List<Process> workers) throws IOException {
        for (int i = 0; i < workers.size(); i++) {
            Process w = workers.get(i);
            if (w.isAlive()) continue;
            recordCrash(w);
            workers.set(i, startWorker());
        }
    }

    /** At the end: counts workers that crashed after the last check, replacing none. */
    private void countLateCrashes(List<Process> workers) {
        // the SIGTERMed ones exited too, but were counted as SIGTERMs; only a fault exit code is a crash
        for (Process w : workers) {
            if (!w.isAlive() && w.exitValue() == WorkerMain.CRASH_EXIT_CODE && !killed.contains(workerIds.get(w.pid()))) recordCrash(w);
        }
    }

    private void recordCrash(Process w) {
        int code = w.exitValue();
        killed.add(workerIds.get(w.pid()));
        if (code == WorkerMain.CRASH_EXIT_CODE) crashLoopKills++;
        log.accept("worker " + workerIds.get(w.pid()) + " pid " + w.pid() + " exited by itself (code " + code
                + (code == WorkerMain.CRASH_EXIT_CODE ? ", the crash-looping record" : "") + "); starting a replacement");
    }

    /** A worker of the list that is consuming (so that a SIGTERM meets a running worker), replacing crashed ones meanwhile. */
    private Process consumingWorker(List<Process> workers, long deadline) throws Exception {
        while (true) {
            replaceCrashed(workers);
            if (awaitConsuming(workers.get(0), deadline)) return workers.get(0);
        }
    }

    private void awaitResultsFrom(Set<String> ids, long until) throws Exception {
        while (System.nanoTime() < until) {
            Set<String> seen = new HashSet<>();
            readAll(topics.resultsTopic(), v -> seen.add(CODEC.decode(v, GenerationResult.class).getWorkerId()));
            if (seen.containsAll(ids)) return;
            Thread.sleep(500);
        }
        log.accept("not every first worker published a result before the first fault");
    }

    private void awaitShareMembers(int n, long deadline) throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap()))) {
            while (true) {
                check(deadline, "waiting for " + n + " share-group members");
                try {
                    var d = admin.describeShareGroups(List.of(group)).all().get(30, TimeUnit.SECONDS).get(group);
                    if (d.members().size() >= n && d.members().stream().allMatch(m -> !m.assignment().topicPartitions().isEmpty())) return;
                } catch (Exception e) {
                    // the group does not exist until the first member joined
                }
                Thread.sleep(200);
            }
        }
    }

    private GenerationRequest crashJob() {
        return GenerationRequest.newBuilder(job(CRASH_LOOP_ID, 0)).setModel(CRASH_MODEL).build();
    }

    // ---- processes ----

    private String bootstrap() {
        return "127.0.0.1:" + port;
    }

    private void startBroker() throws Exception {
        ProcessBuilder pb = new ProcessBuilder(s.java(), "-Xmx512m", "-cp", s.classpath(), EmbeddedKafkaBroker.class.getName(),
                "--port", String.valueOf(port), "--controller-port", String.valueOf(controllerPort),
                "--dir", dir.resolve("broker").toString(), "--partitions", String.valueOf(s.topicPartitions()))
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
        List<String> cmd = new ArrayList<>(List.of(s.java(), "-Xmx256m", "-D" + WorkerMain.CRASH_MODEL_PROPERTY + "=" + CRASH_MODEL,
                "-cp", s.classpath(), "dev.flowline.cli.WorkerMain", "run"));
        // share mode: --create-topics configures the share group (read from the earliest record, delivery count limit
        // kafka.maxDeliveries + 1); the topics exist already, so it changes nothing else
        if (s.share()) cmd.add("--create-topics");
        ProcessBuilder pb = new ProcessBuilder(cmd)
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
        // one progress event after a job's first step and one at its end: how the run sees which worker ran what
        env.put("FLOWLINE_TELEMETRY_PROGRESS_INTERVAL_MS", "600000");
        env.put("FLOWLINE_KAFKA_MAX_DELIVERIES", String.valueOf(s.maxDeliveries()));
        env.put("FLOWLINE_KAFKA_INTAKE", s.intake());
        env.put("FLOWLINE_TOPICS_PARTITIONS", String.valueOf(s.topicPartitions()));
        // A share consumer acquires up to its capacity per poll, and the broker counts a delivery for every record a
        // crashed worker held: 8 (default 512) bounds how many jobs travel with the crash-looping record
        if (s.share()) env.put("FLOWLINE_BATCHING_MAX_JOBS_IN_FLIGHT", String.valueOf(SHARE_CAPACITY));
        Process p = pb.start();
        register(p);
        workerLogs.put(p.pid(), dir.resolve(id + ".log"));
        workerIds.put(p.pid(), id);
        log.accept("worker " + id + " pid " + p.pid() + " started");
        return p;
    }

    private final Map<Long, Path> workerLogs = new ConcurrentHashMap<>();
    private final Map<Long, String> workerIds = new ConcurrentHashMap<>();

    /**
     * Waits until the worker logged that it consumes (so that a SIGTERM meets a running worker, not a starting JVM);
     * false when it exited first (the crash-looping record may halt it).
     */
    private boolean awaitConsuming(Process w, long deadline) throws Exception {
        Path logFile = workerLogs.get(w.pid());
        while (System.nanoTime() < deadline && w.isAlive()) {
            if (Files.exists(logFile) && Files.readString(logFile, StandardCharsets.ISO_8859_1).contains(" consuming ")) return true;
            Thread.sleep(200);
        }
        if (!w.isAlive()) return false;
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
                    .map(t -> new NewTopic(t, t.equals(topics.controlTopic()) ? 1 : s.topicPartitions(), (short) 1)).toList();
            TopicSetup.ensureTopics(admin, list, Duration.ofSeconds(60));
            if (s.share()) {
                // records a killed worker held come back when their lock expires: 5 s instead of the default 30 s keeps
                // the run short (jobs here take milliseconds, far below the half-lock at which a worker renews)
                ConfigResource g = new ConfigResource(ConfigResource.Type.GROUP, group);
                admin.incrementalAlterConfigs(Map.of(g, List.of(new AlterConfigOp(new ConfigEntry("share.record.lock.duration.ms", "5000"),
                        AlterConfigOp.OpType.SET)))).all().get(60, TimeUnit.SECONDS);
            }
        }
    }

    private GenerationRequest job(String id, int i) {
        return GenerationRequest.newBuilder().setJobId(id).setModel("analytic").setNumSamples(1)
                .setSampler(SamplerSpec.newBuilder().setSolver("euler").setSteps(8).build())
                .setSeed(i).setOutputFormat(OutputFormat.RAW_FLOAT32).setProgress(true).build();
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

    /**
     * @param deadLetteredIds job id -> error code of the valid jobs dead-lettered
     * @param startedOn       job id -> the workers that sent a progress event for it (they ran it, finished or not)
     * @param crashLoopCode   the error code of the crash-looping record's dead letter, null while there is none
     */
    private record Outcome(Map<String, List<GenerationResult>> results, Map<String, String> deadLetteredIds, long poisonDeadLettered,
                           Map<String, Set<String>> startedOn, String crashLoopCode) {}

    /** Reads the results and dead-letter topics from the beginning to their current end. */
    private Outcome collect() {
        Map<String, List<GenerationResult>> results = new HashMap<>();
        Map<String, String> dlqIds = new HashMap<>();
        Set<String> poison = new HashSet<>(); // distinct: a dead letter is at-least-once too (redone after a crash)
        Map<String, Set<String>> startedOn = new HashMap<>();
        String[] crashLoop = {null};
        readAll(topics.resultsTopic(), v -> {
            GenerationResult r = CODEC.decode(v, GenerationResult.class);
            results.computeIfAbsent(r.getJobId(), k -> new ArrayList<>()).add(r);
        });
        readAll(topics.deadLetterTopic(), v -> {
            DeadLetter d = CODEC.decode(v, DeadLetter.class);
            String key = d.getOriginalKey();
            if (key != null && key.startsWith("poison-")) poison.add(key);
            else if (CRASH_LOOP_ID.equals(key)) crashLoop[0] = d.getErrorCode();
            else if (d.getJobId() != null) dlqIds.put(d.getJobId(), d.getErrorCode());
        });
        readAll(topics.progressTopic(), v -> {
            ProgressEvent e = CODEC.decode(v, ProgressEvent.class);
            startedOn.computeIfAbsent(e.getJobId(), k -> new HashSet<>()).add(e.getWorkerId());
        });
        return new Outcome(results, dlqIds, poison.size(), startedOn, crashLoop[0]);
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

    /**
     * The group's committed offsets against the log end of the jobs topic, summed (0 = everything committed); for a
     * share group, its start offsets (every record below is acknowledged or archived) against the log end.
     */
    private long lag() {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap()))) {
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            for (int i = 0; i < s.topicPartitions(); i++) latest.put(new TopicPartition(topics.jobsTopic(), i), OffsetSpec.latest());
            Map<TopicPartition, Long> committed = new HashMap<>();
            if (s.share()) {
                var spec = new ListShareGroupOffsetsSpec().topicPartitions(latest.keySet());
                admin.listShareGroupOffsets(Map.of(group, spec)).partitionsToOffsetInfo(group).get(30, TimeUnit.SECONDS)
                        .forEach((tp, info) -> { if (info != null) committed.put(tp, info.startOffset()); });
            } else {
                Map<TopicPartition, OffsetAndMetadata> c = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
                c.forEach((tp, o) -> { if (o != null) committed.put(tp, o.offset()); });
            }
            var ends = admin.listOffsets(latest).all().get(30, TimeUnit.SECONDS);
            long lag = 0;
            for (TopicPartition tp : latest.keySet()) lag += ends.get(tp).offset() - committed.getOrDefault(tp, 0L);
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
