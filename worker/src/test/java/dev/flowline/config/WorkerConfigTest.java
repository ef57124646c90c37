package dev.flowline.config;

import dev.flowline.batching.BatchingMode;
import dev.flowline.batching.SchedulerOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class WorkerConfigTest {

    @Test
    void noFileAndNoEnvironmentGivesTheDeclaredDefaults() {
        WorkerConfig c = WorkerConfig.load(null, Map.of());
        assertThat(c.kafka().bootstrapServers()).isEqualTo("localhost:9092");
        assertThat(c.kafka().groupProtocol()).isEqualTo("consumer");
        assertThat(c.kafka().commitInterval()).isEqualTo(Duration.ofSeconds(1));
        assertThat(c.topics().jobsTopic()).isEqualTo("flowline.jobs");
        assertThat(c.topics().deadLetterTopic()).isEqualTo("flowline.dead-letter");
        assertThat(c.batching()).isEqualTo(SchedulerOptions.defaults());
        assertThat(c.limits()).isEqualTo(LimitOptions.defaults());
        assertThat(c.http()).isEqualTo(HttpOptions.defaults());
        assertThat(c.telemetry()).isEqualTo(TelemetryOptions.defaults());
        assertThat(c.worker().id()).endsWith("-" + ProcessHandle.current().pid());
    }

    @Test
    void fileValuesAreReadFromNestedSectionsAndDottedKeys(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("w.yaml");
        Files.writeString(f, """
                worker: {id: w-7}
                kafka:
                  bootstrapServers: broker:9093
                  properties:
                    security.protocol: SASL_SSL
                    sasl:
                      mechanism: PLAIN
                topics.prefix: "t."
                batching: {mode: REQUEST, maxJobsInFlight: 40}
                models: {dirs: [/a, /b]}
                """);
        WorkerConfig c = WorkerConfig.load(f, Map.of());
        assertThat(c.worker().id()).isEqualTo("w-7");
        assertThat(c.kafka().bootstrapServers()).isEqualTo("broker:9093");
        assertThat(c.kafka().properties()).containsEntry("security.protocol", "SASL_SSL").containsEntry("sasl.mechanism", "PLAIN");
        assertThat(c.topics().resultsTopic()).isEqualTo("t.results");
        assertThat(c.batching().mode()).isEqualTo(BatchingMode.REQUEST);
        assertThat(c.batching().resumeBelowJobs()).isEqualTo(20);
        assertThat(c.models().dirs()).containsExactly(Path.of("/a"), Path.of("/b"));
    }

    @Test
    void jsonFilesWorkToo(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("w.json");
        Files.writeString(f, "{\"http\": {\"port\": 9100, \"host\": \"0.0.0.0\"}}");
        WorkerConfig c = WorkerConfig.load(f, Map.of());
        assertThat(c.http().port()).isEqualTo(9100);
        assertThat(c.http().host()).isEqualTo("0.0.0.0");
    }

    @Test
    void environmentOverridesTheFile(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("w.yaml");
        Files.writeString(f, "kafka: {bootstrapServers: from-file:9092, properties: {sasl.mechanism: PLAIN}}\nhttp: {port: 1234}\n");
        WorkerConfig c = WorkerConfig.load(f, Map.of(
                "FLOWLINE_KAFKA_BOOTSTRAP_SERVERS", "from-env:9092",
                "FLOWLINE_HTTP_PORT", "4321",
                "FLOWLINE_KAFKA_PROPERTIES_SASL_MECHANISM", "SCRAM-SHA-512",
                "FLOWLINE_KAFKA_PROPERTIES_SASL_JAAS_CONFIG", "x required password=\"s3cret\";",
                "FLOWLINE_MODELS_DIRS", "/m1, /m2",
                "FLOWLINE_JAVA_OPTS", "-Xmx1g",          // not a config section: ignored
                "PATH", "/usr/bin"));
        assertThat(c.kafka().bootstrapServers()).isEqualTo("from-env:9092");
        assertThat(c.http().port()).isEqualTo(4321);
        assertThat(c.kafka().properties())
                .containsEntry("sasl.mechanism", "SCRAM-SHA-512")
                .containsEntry("sasl.jaas.config", "x required password=\"s3cret\";");
        assertThat(c.models().dirs()).containsExactly(Path.of("/m1"), Path.of("/m2"));
    }

    @Test
    void everyKeyHasAnEnvironmentNameDerivedFromIt() {
        assertThat(WorkerConfig.DEF.key("kafka.maxOutstandingPerPartition").envName()).isEqualTo("FLOWLINE_KAFKA_MAX_OUTSTANDING_PER_PARTITION");
        assertThat(WorkerConfig.DEF.key("topics.deadLetter").envName()).isEqualTo("FLOWLINE_TOPICS_DEAD_LETTER");
        assertThat(WorkerConfig.DEF.keys()).allSatisfy(k -> assertThat(k.doc()).isNotBlank());
    }

    @Test
    void anUnknownKeyIsAnErrorNamingTheKey(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("w.yaml");
        Files.writeString(f, "kafka:\n  bootstrapServer: x:1\n");
        assertThatThrownBy(() -> WorkerConfig.load(f, Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("kafka.bootstrapServer")
                .hasMessageContaining("unknown key")
                .satisfies(e -> assertThat(((ConfigException) e).key()).isEqualTo("kafka.bootstrapServer"));
    }

    @Test
    void kafkaIntakeIsGroupByDefaultShareOnRequestAndNothingElse() {
        assertThat(WorkerConfig.load(null, Map.of()).kafka().intake()).isEqualTo("group");
        assertThat(WorkerConfig.load(null, Map.of()).kafka().shareIntake()).isFalse();
        WorkerConfig share = WorkerConfig.load(null, Map.of("FLOWLINE_KAFKA_INTAKE", "share"));
        assertThat(share.kafka().shareIntake()).isTrue();
        assertThat(share.kafka().toString()).contains("intake=share");
        assertThatThrownBy(() -> WorkerConfig.load(null, Map.of("FLOWLINE_KAFKA_INTAKE", "queue")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("queue")
                .satisfies(e -> assertThat(((ConfigException) e).key()).isEqualTo("kafka.intake"));
        assertThatThrownBy(() -> share.kafka().withIntake("shared")).isInstanceOf(ConfigException.class);
    }

    @Test
    void anUnknownSectionKeyIsAnError(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("w.yaml");
        Files.writeString(f, "limit:\n  maxSamples: 3\n");
        assertThatThrownBy(() -> WorkerConfig.load(f, Map.of())).hasMessageContaining("limit.maxSamples");
    }

    @Test
    void anUnknownEnvironmentVariableOfAKnownSectionIsAnErrorNamingIt() {
        assertThatThrownBy(() -> WorkerConfig.load(null, Map.of("FLOWLINE_KAFKA_BOOTSTRAP_SERVRS", "x:1")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("FLOWLINE_KAFKA_BOOTSTRAP_SERVRS")
                .hasMessageContaining("FLOWLINE_KAFKA_BOOTSTRAP_SERVERS");
    }

    @Test
    void aBadValueIsAnErrorNamingKeyAndValue() {
        assertThatThrownBy(() -> WorkerConfig.load(null, Map.of("FLOWLINE_HTTP_PORT", "eighty")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("http.port").hasMessageContaining("'eighty'");
        assertThatThrownBy(() -> WorkerConfig.load(null, Map.of("FLOWLINE_HTTP_PORT", "70000")))
                .hasMessageContaining("http.port").hasMessageContaining("70000").hasMessageContaining("[0, 65535]");
        assertThatThrownBy(() -> WorkerConfig.load(null, Map.of("FLOWLINE_KAFKA_GROUP_PROTOCOL", "eager")))
                .hasMessageContaining("kafka.groupProtocol").hasMessageContaining("'eager'").hasMessageContaining("classic");
        assertThatThrownBy(() -> WorkerConfig.load(null, Map.of("FLOWLINE_BATCHING_MODE", "turbo")))
                .hasMessageContaining("batching.mode").hasMessageContaining("turbo").hasMessageContaining("CONTINUOUS");
        assertThatThrownBy(() -> WorkerConfig.load(null, Map.of("FLOWLINE_TELEMETRY_ENABLED", "yes")))
                .hasMessageContaining("telemetry.enabled").hasMessageContaining("'yes'");
    }

    @Test
    void crossFieldConflictsNameTheKey() {
        assertThatThrownBy(() -> WorkerConfig.load(null, Map.of("FLOWLINE_BATCHING_MAX_JOBS_IN_FLIGHT", "10",
                "FLOWLINE_BATCHING_RESUME_BELOW_JOBS", "20")))
                .hasMessageContaining("batching.resumeBelowJobs").hasMessageContaining("20");
        assertThatThrownBy(() -> WorkerConfig.load(null, Map.of("FLOWLINE_KAFKA_PROPERTIES_MAX_REQUEST_SIZE", "500000")))
                .hasMessageContaining("limits.maxResultBytes").hasMessageContaining("max.request.size");
    }

    @Test
    void outputsDefaultToInlineAndS3IsConfiguredFromTheEnvironment() {
        assertThat(WorkerConfig.load(null, Map.of()).outputs()).isEqualTo(OutputOptions.inline());

        OutputOptions o = WorkerConfig.load(null, Map.of("FLOWLINE_OUTPUTS_STORE", "s3", "FLOWLINE_OUTPUTS_S3_BUCKET", "b",
                "FLOWLINE_OUTPUTS_S3_ENDPOINT", "http://minio:9000", "FLOWLINE_OUTPUTS_S3_PATH_STYLE", "true",
                "FLOWLINE_OUTPUTS_INLINE_MAX_BYTES", "0")).outputs();

        assertThat(o.store()).isEqualTo(OutputOptions.Store.S3);
        assertThat(o.s3Bucket()).isEqualTo("b");
        assertThat(o.s3Endpoint()).hasToString("http://minio:9000");
        assertThat(o.s3PathStyle()).isTrue();
        assertThat(o.inlineMaxBytes()).isZero();
        assertThat(o.s3Prefix()).isEqualTo("flowline");
    }

    @Test
    void outputSettingsThatCannotWorkAreErrorsNamingTheKey() {
        assertThatThrownBy(() -> WorkerConfig.load(null, Map.of("FLOWLINE_OUTPUTS_STORE", "s3")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("outputs.s3Bucket").hasMessageContaining("outputs.store=s3");
        assertThatThrownBy(() -> WorkerConfig.load(null, Map.of("FLOWLINE_OUTPUTS_STORE", "gcs")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("outputs.store").hasMessageContaining("gcs");
        assertThatThrownBy(() -> WorkerConfig.load(null, Map.of("FLOWLINE_OUTPUTS_STORE", "s3", "FLOWLINE_OUTPUTS_S3_BUCKET", "b",
                "FLOWLINE_OUTPUTS_INLINE_MAX_BYTES", "1000000")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("outputs.inlineMaxBytes").hasMessageContaining("limits.maxResultBytes");
        assertThatThrownBy(() -> WorkerConfig.load(null, Map.of("FLOWLINE_OUTPUTS_S3_ENDPOINT", "minio:9000")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("outputs.s3Endpoint");
        assertThatThrownBy(() -> WorkerConfig.load(null, Map.of("FLOWLINE_OUTPUTS_S3_PREFIX", "/a/")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("outputs.s3Prefix");
    }

    @Test
    void kafkaPropertiesThatTypedKeysOwnAreRejected() {
        assertThatThrownBy(() -> WorkerConfig.load(null, Map.of("FLOWLINE_KAFKA_PROPERTIES_GROUP_ID", "mine")))
                .hasMessageContaining("kafka.properties.group.id").hasMessageContaining("'mine'").hasMessageContaining("kafka.groupId");
        assertThatThrownBy(() -> WorkerConfig.load(null, Map.of("FLOWLINE_KAFKA_PROPERTIES_ENABLE_AUTO_COMMIT", "true")))
                .hasMessageContaining("kafka.properties.enable.auto.commit");
    }

    @Test
    void secretsAreMaskedInToStringAndTheReference() {
        WorkerConfig c = WorkerConfig.load(null, Map.of(
                "FLOWLINE_KAFKA_PROPERTIES_SASL_JAAS_CONFIG", "PlainLoginModule required username=\"u\" password=\"hunter2\";",
                "FLOWLINE_KAFKA_PROPERTIES_SSL_KEYSTORE_PASSWORD", "hunter3",
                "FLOWLINE_KAFKA_PROPERTIES_SASL_MECHANISM", "PLAIN"));
        assertThat(c.toString()).doesNotContain("hunter2").doesNotContain("hunter3").contains("[hidden]").contains("PLAIN");
        assertThat(c.kafka().toString()).doesNotContain("hunter");
        assertThat(ConfigDef.display(WorkerConfig.DEF.key("kafka.properties"), c.kafka().properties())).doesNotContain("hunter");
    }

    @Test
    void theReferenceListsEveryKeyWithItsDefaultAndDoc() {
        String ref = WorkerConfig.DEF.toReference();
        for (ConfigDef.Key k : WorkerConfig.DEF.keys()) {
            assertThat(ref).contains(k.name()).contains(k.envName()).contains(k.doc());
        }
        assertThat(ref).contains("kafka.commitIntervalMs  (long, default 1000");
    }

    @Test
    void shippedSampleConfigsUseOnlyDefinedKeys() throws IOException {
        Path dir = Path.of("src/main/config");
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml") || p.toString().endsWith(".json")).toList();
        }
        assertThat(files).isNotEmpty();
        for (Path f : files) {
            // load() rejects unknown keys; parse the raw values alone too, so defaults cannot hide anything
            Map<String, Object> raw = new ConfigLoader(WorkerConfig.DEF).load(f, Map.of());
            assertThat(raw.keySet()).as(f.toString()).allSatisfy(k -> assertThat(WorkerConfig.DEF.key(k)).as(k).isNotNull());
            WorkerConfig.load(f, Map.of());
        }
    }

    @Test
    void deduplicationIsOnByDefaultAndBatchingDedupTurnsItOff() {
        assertThat(WorkerConfig.load(null, Map.of()).batching().dedup()).isTrue();
        assertThat(WorkerConfig.load(null, Map.of("FLOWLINE_BATCHING_DEDUP", "false")).batching().dedup()).isFalse();
    }
}
