package dev.flowline.config;

import dev.flowline.batching.BatchingMode;
import dev.flowline.batching.DeadlinePolicy;
import dev.flowline.batching.OrderingPolicy;
import dev.flowline.batching.SchedulerOptions;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import static dev.flowline.config.ConfigDef.Type.BOOLEAN;
import static dev.flowline.config.ConfigDef.Type.DOUBLE;
import static dev.flowline.config.ConfigDef.Type.INT;
import static dev.flowline.config.ConfigDef.Type.LIST;
import static dev.flowline.config.ConfigDef.Type.LONG;
import static dev.flowline.config.ConfigDef.Type.MAP;
import static dev.flowline.config.ConfigDef.Type.STRING;
import static dev.flowline.config.ConfigDef.atLeast;
import static dev.flowline.config.ConfigDef.between;
import static dev.flowline.config.ConfigDef.nonBlank;
import static dev.flowline.config.ConfigDef.oneOf;

/**
 * The whole worker configuration: one validated options object per component. Every key is declared once in
 * {@link #DEF} (doc, type, default, validator); {@link #load} reads a YAML/JSON file and the environment.
 */
public record WorkerConfig(WorkerOptions worker, KafkaOptions kafka, TopicOptions topics, SchedulerOptions batching,
                           ModelOptions models, LimitOptions limits, HttpOptions http, TelemetryOptions telemetry,
                           OutputOptions outputs) {

    public WorkerConfig {
        Objects.requireNonNull(worker);
        Objects.requireNonNull(kafka);
        Objects.requireNonNull(topics);
        Objects.requireNonNull(batching);
        Objects.requireNonNull(models);
        Objects.requireNonNull(limits);
        Objects.requireNonNull(http);
        Objects.requireNonNull(telemetry);
        Objects.requireNonNull(outputs);
    }

    /** Every key of the worker. */
    public static final ConfigDef DEF = new ConfigDef()
            .define("worker.id", STRING, null, "Worker id written into every result, dead letter and telemetry event; default hostname-pid.")
            .define("worker.drainTimeoutMs", LONG, WorkerOptions.DEFAULT_DRAIN_TIMEOUT_MS, atLeast(0),
                    "On SIGTERM: how long in-flight jobs may finish before the rest is abandoned (and redelivered to another worker).")

            .define("kafka.bootstrapServers", STRING, KafkaOptions.DEFAULT_BOOTSTRAP_SERVERS, nonBlank(), "Kafka bootstrap servers.")
            .define("kafka.groupId", STRING, KafkaOptions.DEFAULT_GROUP_ID, nonBlank(), "Consumer group of the jobs topic; every worker of one deployment uses the same.")
            .define("kafka.groupProtocol", STRING, KafkaOptions.DEFAULT_GROUP_PROTOCOL, oneOf("consumer", "classic"),
                    "Group protocol: consumer (KIP-848, broker-side assignment) or classic (cooperative-sticky).")
            .define("kafka.commitIntervalMs", LONG, KafkaOptions.DEFAULT_COMMIT_INTERVAL_MS, atLeast(10),
                    "How often the highest contiguous done offset of each partition is committed.")
            .define("kafka.pollTimeoutMs", LONG, KafkaOptions.DEFAULT_POLL_TIMEOUT_MS, between(1, 5000),
                    "Consumer poll timeout. Commits and pauses wait for the poll in progress, so keep it short.")
            .define("kafka.maxOutstandingPerPartition", INT, KafkaOptions.DEFAULT_MAX_OUTSTANDING_PER_PARTITION, atLeast(1),
                    "Records of one partition received and not yet done, above which that partition is paused.")
            .define("kafka.revokeGraceMs", LONG, KafkaOptions.DEFAULT_REVOKE_GRACE_MS, between(0, 60_000),
                    "On revoke: how long in-flight jobs of the revoked partitions may finish before they are abandoned.")
            .define("kafka.maxDeliveries", INT, KafkaOptions.DEFAULT_MAX_DELIVERIES, atLeast(0),
                    "Crash-loop protection: a job record whose delivery was started this many times without finishing (its workers died) is dead-lettered MAX_DELIVERIES instead of run again. Counts ride in the commit metadata; each job's start waits for the commit that records it. 0 turns this off.")
            .define("kafka.intake", STRING, KafkaOptions.DEFAULT_INTAKE, oneOf("group", "share"),
                    "How jobs are read: group (a consumer group; at most one worker per partition, offsets committed in order) or share (a Kafka share group, KIP-932: any number of workers per partition, each record acknowledged on its own after its result or dead letter is acked; needs share groups enabled on the brokers, Kafka 4.2+). With share, a record whose delivery count exceeds kafka.maxDeliveries is dead-lettered MAX_DELIVERIES, and --create-topics sets share.auto.offset.reset=earliest on the group.")
            .define("kafka.properties", MAP, Map.of(),
                    "Any Kafka client property (e.g. security.protocol, sasl.mechanism, sasl.jaas.config, ssl.*), applied to every client. Secret-looking values are never logged.")

            .define("topics.prefix", STRING, TopicOptions.DEFAULT_PREFIX, "Prefix of every topic name.")
            .define("topics.jobs", STRING, "jobs", nonBlank(), "Jobs in (GenerationRequest, keyed by job id); read by the consumer group.")
            .define("topics.results", STRING, "results", nonBlank(), "Results out (GenerationResult, keyed by job id).")
            .define("topics.progress", STRING, "progress", nonBlank(), "Progress events out (ProgressEvent, keyed by job id).")
            .define("topics.telemetry", STRING, "telemetry", nonBlank(), "Telemetry out (TelemetryEvent, keyed by worker id).")
            .define("topics.deadLetter", STRING, "dead-letter", nonBlank(), "Records that are not valid jobs (DeadLetter, with the original bytes).")
            .define("topics.control", STRING, "control", nonBlank(), "Control commands in (ControlCommand); every worker reads all partitions.")
            .define("topics.partitions", INT, TopicOptions.DEFAULT_PARTITIONS, atLeast(1), "Partitions of topics created by --create-topics.")
            .define("topics.replicationFactor", INT, (int) TopicOptions.DEFAULT_REPLICATION_FACTOR, between(1, 32), "Replication factor of topics created by --create-topics.")

            .define("batching.mode", STRING, SchedulerOptions.DEFAULT_MODE.name(), oneOf(BatchingMode.class),
                    "CONTINUOUS (step-level), REQUEST (whole jobs batched, the baseline) or NONE.")
            .define("batching.maxBatchRows", INT, SchedulerOptions.DEFAULT_MAX_BATCH_ROWS, atLeast(2), "Most rows in one model call; a guided evaluation takes two.")
            .define("batching.maxDelayMicros", LONG, SchedulerOptions.DEFAULT_MAX_DELAY_MICROS, atLeast(0), "How long an under-full batch may wait for company.")
            .define("batching.maxActiveSamples", INT, SchedulerOptions.DEFAULT_MAX_ACTIVE_SAMPLES, atLeast(1), "Samples integrated at once; other admitted jobs wait in the queue.")
            .define("batching.maxJobsInFlight", INT, SchedulerOptions.DEFAULT_MAX_JOBS_IN_FLIGHT, atLeast(1), "Admitted jobs (queued + running) above which intake pauses.")
            .define("batching.resumeBelowJobs", INT, null, atLeast(1), "Intake resumes when in-flight jobs fall below this; default half of maxJobsInFlight.")
            .define("batching.deadlinePolicy", STRING, SchedulerOptions.DEFAULT_DEADLINE_POLICY.name(), oneOf(DeadlinePolicy.class),
                    "ANYTIME: late jobs expire even mid-flight; BEFORE_START: only before their first evaluation.")
            .define("batching.agingMillisPerLevel", LONG, SchedulerOptions.DEFAULT_AGING_MILLIS_PER_LEVEL, atLeast(1), "Waiting this long raises a job's effective priority by one.")
            .define("batching.policy", STRING, SchedulerOptions.DEFAULT_POLICY.name(), oneOf(OrderingPolicy.class),
                    "Which ready rows a CONTINUOUS call takes when it cannot take all (priority and aging first in every policy): "
                            + "ROUND_ROBIN (the row waiting longest; every job slows when rows are not free), "
                            + "OLDEST_JOB_FIRST (a started job keeps its rate; short jobs back-fill an eighth of the call), "
                            + "LEAST_SLACK_FIRST (as OLDEST_JOB_FIRST, deadline jobs first by least slack; earliest-deadline admission, "
                            + "infeasible deadlines expire before using the device).")
            .define("batching.maxCallMicros", LONG, SchedulerOptions.DEFAULT_MAX_CALL_MICROS, atLeast(1),
                    "Per-call latency bound: CONTINUOUS calls are sized to the most rows/s the device's measured cost curve gives within it (maxBatchRows is the ceiling).")
            .define("batching.latencyTargetMs", LONG, SchedulerOptions.DEFAULT_LATENCY_TARGET_MILLIS, atLeast(0),
                    "Jobs giving a step range (sampler.minSteps/maxSteps) or a quality tier (sampler.tier) and no deadline get the largest "
                            + "count (the tier's costliest sampler) expected to finish within this many ms at the current load, by the "
                            + "scheduler's own cost estimate; 0: no target (they run maxSteps, the tier's costliest). "
                            + "A job's deadline, when it has one, is its target.")
            .define("batching.dedup", BOOLEAN, SchedulerOptions.DEFAULT_DEDUP,
                    "Identical in-flight samples (same model, conditioning, guidance, sampler, seed and sample index) are computed once and "
                            + "shared by their jobs; each job keeps its own result, status and offset. false computes every sample on its own.")

            .define("models.dirs", LIST, List.of(), "Directories searched for model manifests (flowline-model.json).")
            .define("models.builtin", BOOLEAN, true, "Also serve the built-in demo models.")
            .define("models.analytic", BOOLEAN, false,
                    "Also serve 'analytic': a closed-form Gaussian flow (1x8x8, 10 classes plus a null class, no weights) for smoke, chaos and load tests.")
            .define("models.analyticCostPerCallMicros", LONG, 0L, atLeast(0), "Busy time per call of the 'analytic' model, emulating a heavier network.")

            .define("limits.maxSamples", INT, LimitOptions.DEFAULT_MAX_SAMPLES, atLeast(1), "Most samples one job may ask for.")
            .define("limits.maxSteps", INT, LimitOptions.DEFAULT_MAX_STEPS, atLeast(1), "Most time-grid steps one job may ask for.")
            .define("limits.maxNfe", INT, LimitOptions.DEFAULT_MAX_NFE, atLeast(1), "Most network evaluations per sample (fixed-step cost, nfeBudget, adaptive solvers' cap).")
            .define("limits.maxMetadataBytes", INT, LimitOptions.DEFAULT_MAX_METADATA_BYTES, atLeast(0), "Most UTF-8 bytes of a job's metadata map (keys and values).")
            .define("limits.maxResultBytes", INT, LimitOptions.DEFAULT_MAX_RESULT_BYTES, atLeast(1024),
                    "Largest encoded result record; a larger result fails its job with RESULT_TOO_LARGE. Keep below the producer's max.request.size.")
            .define("limits.maxGuidanceScale", DOUBLE, LimitOptions.DEFAULT_MAX_GUIDANCE_SCALE, between(1, 1000),
                    "Largest classifier-free guidance weight w a job may ask for (w >= 0 always; 1 = no guidance). A larger w is dead-lettered INVALID_FIELD sampler.guidanceScale instead of running into NaN velocities.")

            .define("http.enabled", BOOLEAN, true, "Serve /metrics, /health and /ready.")
            .define("http.host", STRING, HttpOptions.DEFAULT_HOST, nonBlank(), "Address the HTTP endpoint binds to (0.0.0.0 to expose it, e.g. in a container).")
            .define("http.port", INT, HttpOptions.DEFAULT_PORT, between(0, 65535), "Port of the HTTP endpoint; 0 picks a free one.")

            .define("telemetry.enabled", BOOLEAN, true, "Send telemetry events to the telemetry topic.")
            .define("telemetry.intervalMs", LONG, TelemetryOptions.DEFAULT_INTERVAL_MS, atLeast(10), "Batch statistics are aggregated over this interval into one event.")
            .define("telemetry.jobEvents", BOOLEAN, true, "Send one JobCompleted telemetry event per job.")
            .define("telemetry.progressIntervalMs", LONG, TelemetryOptions.DEFAULT_PROGRESS_INTERVAL_MS, atLeast(0),
                    "At most one progress event per job per interval (the final one always goes out).")

            .define("outputs.store", STRING, "inline", oneOf("inline", "s3"),
                    "Where samples go: inline (inside the result record) or s3 (results whose samples exceed outputs.inlineMaxBytes are written "
                            + "to an S3-compatible object store first, and the record carries each sample's URI, size, SHA-256 and content type). "
                            + "S3 credentials come from the AWS SDK's default provider chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE, web identity...).")
            .define("outputs.inlineMaxBytes", INT, OutputOptions.DEFAULT_INLINE_MAX_BYTES, atLeast(0),
                    "With outputs.store=s3: a result whose encoded samples (summed) exceed this many bytes goes by reference; 0 sends every result by reference. Must be below limits.maxResultBytes.")
            .define("outputs.maxAttempts", INT, OutputOptions.DEFAULT_MAX_ATTEMPTS, between(1, 20),
                    "Attempts to write one object (store unavailable, denied, timed out) before the job ends FAILED with OUTPUT_STORE_ERROR.")
            .define("outputs.retryBackoffMs", LONG, OutputOptions.DEFAULT_RETRY_BACKOFF_MS, between(0, 60_000), "Wait before the second attempt; doubled for each further one.")
            .define("outputs.requestTimeoutMs", LONG, OutputOptions.DEFAULT_REQUEST_TIMEOUT_MS, between(100, 300_000), "Limit of one attempt to write an object.")
            .define("outputs.healthIntervalMs", LONG, OutputOptions.DEFAULT_HEALTH_INTERVAL_MS, between(100, 3_600_000),
                    "With s3: an idle worker writes a small health object this often; /ready reports the store unhealthy while writes fail.")
            .define("outputs.s3Bucket", STRING, null, "Bucket of the S3 store (required with outputs.store=s3). The worker needs s3:PutObject on <bucket>/<prefix>/* and nothing else.")
            .define("outputs.s3Prefix", STRING, OutputOptions.DEFAULT_S3_PREFIX,
                    "Key prefix; objects are <prefix>/<model>/<jobId>/<sampleIndex>.<png|f32>, so a replayed job overwrites its own objects with identical bytes.")
            .define("outputs.s3Region", STRING, OutputOptions.DEFAULT_S3_REGION, nonBlank(), "Region the requests are signed for (S3-compatible servers mostly accept any).")
            .define("outputs.s3Endpoint", STRING, null, "Endpoint override for S3-compatible stores (MinIO, Ceph RGW...), e.g. http://minio:9000; unset for AWS S3.")
            .define("outputs.s3PathStyle", BOOLEAN, false, "Path-style requests (http://host/bucket/key) instead of virtual-hosted ones; most S3-compatible servers need true.");

    /** Kafka properties that typed keys own, or that the worker cannot work without; setting them is an error. */
    private static final Map<String, String> RESERVED_KAFKA_PROPERTIES = Map.of(
            "bootstrap.servers", "set kafka.bootstrapServers instead",
            "group.id", "set kafka.groupId instead",
            "group.protocol", "set kafka.groupProtocol instead",
            "enable.auto.commit", "the worker commits itself, only offsets whose jobs are done",
            "key.serializer", "the worker's records have string keys and byte[] values",
            "value.serializer", "the worker's records have string keys and byte[] values",
            "key.deserializer", "the worker's records have string keys and byte[] values",
            "value.deserializer", "the worker's records have string keys and byte[] values");

    /** Defaults for everything, with the given bootstrap servers. */
    public static WorkerConfig defaults(String bootstrapServers) {
        return from(DEF.parse(Map.of("kafka.bootstrapServers", bootstrapServers)));
    }

    /** Reads a YAML/JSON file (null for none) and the environment, validates and builds the options. */
    public static WorkerConfig load(Path file, Map<String, String> env) {
        return from(DEF.parse(new ConfigLoader(DEF).load(file, env)));
    }

    /** Builds the options from parsed values; cross-field rules are checked here and name the key. */
    @SuppressWarnings("unchecked")
    public static WorkerConfig from(Map<String, Object> v) {
        String id = (String) v.get("worker.id");
        WorkerOptions worker = new WorkerOptions(id == null || id.isBlank() ? WorkerOptions.defaultId() : id, ms(v, "worker.drainTimeoutMs"));
        ((Map<String, String>) v.get("kafka.properties")).forEach((key, value) -> {
            String why = RESERVED_KAFKA_PROPERTIES.get(key);
            if (why != null) throw new ConfigException("kafka.properties." + key, Secrets.isSecretKey(key) ? ConfigDef.HIDDEN : value, why);
        });
        KafkaOptions kafka = new KafkaOptions((String) v.get("kafka.bootstrapServers"), (String) v.get("kafka.groupId"),
                (String) v.get("kafka.groupProtocol"), ms(v, "kafka.commitIntervalMs"), ms(v, "kafka.pollTimeoutMs"),
                (Integer) v.get("kafka.maxOutstandingPerPartition"), ms(v, "kafka.revokeGraceMs"),
                (Map<String, String>) v.get("kafka.properties"), (Integer) v.get("kafka.maxDeliveries"), (String) v.get("kafka.intake"));
        TopicOptions topics = new TopicOptions((String) v.get("topics.prefix"), (String) v.get("topics.jobs"),
                (String) v.get("topics.results"), (String) v.get("topics.progress"), (String) v.get("topics.telemetry"),
                (String) v.get("topics.deadLetter"), (String) v.get("topics.control"), (Integer) v.get("topics.partitions"),
                (short) (int) (Integer) v.get("topics.replicationFactor"));
        int maxJobs = (Integer) v.get("batching.maxJobsInFlight");
        Integer resume = (Integer) v.get("batching.resumeBelowJobs");
        if (resume != null && resume > maxJobs) {
            throw new ConfigException("batching.resumeBelowJobs", resume, "must be <= batching.maxJobsInFlight (" + maxJobs + ")");
        }
        SchedulerOptions batching = new SchedulerOptions(BatchingMode.valueOf((String) v.get("batching.mode")),
                (Integer) v.get("batching.maxBatchRows"), (Long) v.get("batching.maxDelayMicros"),
                (Integer) v.get("batching.maxActiveSamples"), maxJobs, resume == null ? Math.max(1, maxJobs / 2) : resume,
                DeadlinePolicy.valueOf((String) v.get("batching.deadlinePolicy")), (Long) v.get("batching.agingMillisPerLevel"),
                OrderingPolicy.valueOf((String) v.get("batching.policy")), (Long) v.get("batching.maxCallMicros"),
                (Long) v.get("batching.latencyTargetMs"), (Boolean) v.get("batching.dedup"));
        ModelOptions models = new ModelOptions(((List<String>) v.get("models.dirs")).stream().map(Path::of).toList(),
                (Boolean) v.get("models.builtin"), (Boolean) v.get("models.analytic"), (Long) v.get("models.analyticCostPerCallMicros"));
        LimitOptions limits = new LimitOptions((Integer) v.get("limits.maxSamples"), (Integer) v.get("limits.maxSteps"),
                (Integer) v.get("limits.maxNfe"), (Integer) v.get("limits.maxMetadataBytes"), (Integer) v.get("limits.maxResultBytes"),
                (Double) v.get("limits.maxGuidanceScale"));
        String maxRequest = kafka.properties().get("max.request.size");
        if (maxRequest != null && limits.maxResultBytes() > Integer.parseInt(maxRequest.strip())) {
            throw new ConfigException("limits.maxResultBytes", limits.maxResultBytes(),
                    "must not exceed kafka.properties.max.request.size (" + maxRequest.strip() + ")");
        }
        HttpOptions http = new HttpOptions((Boolean) v.get("http.enabled"), (String) v.get("http.host"), (Integer) v.get("http.port"));
        TelemetryOptions telemetry = new TelemetryOptions((Boolean) v.get("telemetry.enabled"), ms(v, "telemetry.intervalMs"),
                (Boolean) v.get("telemetry.jobEvents"), ms(v, "telemetry.progressIntervalMs"));
        OutputOptions outputs = outputs(v, limits);
        return new WorkerConfig(worker, kafka, topics, batching, models, limits, http, telemetry, outputs);
    }

    private static OutputOptions outputs(Map<String, Object> v, LimitOptions limits) {
        OutputOptions.Store store = OutputOptions.Store.parse((String) v.get("outputs.store"));
        int inlineMax = (Integer) v.get("outputs.inlineMaxBytes");
        if (store == OutputOptions.Store.S3 && inlineMax >= limits.maxResultBytes()) {
            throw new ConfigException("outputs.inlineMaxBytes", inlineMax, "must be below limits.maxResultBytes (" + limits.maxResultBytes()
                    + ") with outputs.store=s3, or results between the two would fail RESULT_TOO_LARGE instead of going by reference");
        }
        String endpoint = (String) v.get("outputs.s3Endpoint");
        java.net.URI uri;
        try {
            uri = endpoint == null || endpoint.isBlank() ? null : new java.net.URI(endpoint);
        } catch (java.net.URISyntaxException e) {
            throw new ConfigException("outputs.s3Endpoint", endpoint, "is not a URL: " + e.getMessage());
        }
        return new OutputOptions(store, inlineMax, (Integer) v.get("outputs.maxAttempts"), ms(v, "outputs.retryBackoffMs"),
                ms(v, "outputs.requestTimeoutMs"), (String) v.get("outputs.s3Bucket"), (String) v.get("outputs.s3Prefix"),
                (String) v.get("outputs.s3Region"), uri, (Boolean) v.get("outputs.s3PathStyle"), ms(v, "outputs.healthIntervalMs"));
    }

    private static Duration ms(Map<String, Object> v, String key) {
        return Duration.ofMillis((Long) v.get(key));
    }

    public WorkerConfig withKafka(KafkaOptions k) { return new WorkerConfig(worker, k, topics, batching, models, limits, http, telemetry, outputs); }
    public WorkerConfig withTopics(TopicOptions t) { return new WorkerConfig(worker, kafka, t, batching, models, limits, http, telemetry, outputs); }
    public WorkerConfig withBatching(SchedulerOptions b) { return new WorkerConfig(worker, kafka, topics, b, models, limits, http, telemetry, outputs); }
    public WorkerConfig withModels(ModelOptions m) { return new WorkerConfig(worker, kafka, topics, batching, m, limits, http, telemetry, outputs); }
    public WorkerConfig withLimits(LimitOptions l) { return new WorkerConfig(worker, kafka, topics, batching, models, l, http, telemetry, outputs); }
    public WorkerConfig withHttp(HttpOptions h) { return new WorkerConfig(worker, kafka, topics, batching, models, limits, h, telemetry, outputs); }
    public WorkerConfig withTelemetry(TelemetryOptions t) { return new WorkerConfig(worker, kafka, topics, batching, models, limits, http, t, outputs); }
    public WorkerConfig withOutputs(OutputOptions o) { return new WorkerConfig(worker, kafka, topics, batching, models, limits, http, telemetry, o); }
    public WorkerConfig withWorker(WorkerOptions w) { return new WorkerConfig(w, kafka, topics, batching, models, limits, http, telemetry, outputs); }
}
