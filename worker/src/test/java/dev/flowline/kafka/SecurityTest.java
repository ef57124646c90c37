package dev.flowline.kafka;

import dev.flowline.app.FlowlineWorker;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.flowline.avro.GenerationRequest;
import dev.flowline.avro.JobStatus;
import dev.flowline.config.WorkerConfig;
import dev.flowline.kafka.broker.EmbeddedBrokerOptions;
import dev.flowline.kafka.broker.EmbeddedKafkaBroker;
import dev.flowline.testing.KafkaCluster;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static dev.flowline.kafka.WorkerTestKit.await;
import static dev.flowline.kafka.WorkerTestKit.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Least privilege on a dedicated broker with a SASL_PLAINTEXT (SCRAM-SHA-512) listener and the StandardAuthorizer
 * ({@code allow.everyone.if.no.acl.found=false}): the worker runs with exactly the ACLs listed in worker/TOPICS.md,
 * wrong credentials and a missing ACL stop its start with a clear message, and no secret reaches logs or telemetry.
 */
class SecurityTest {
    static final String ADMIN_PASSWORD = "admin-secret-" + UUID.randomUUID();
    static final String WORKER = "flowline-worker";
    static final String WORKER_PASSWORD = "w0rker-pw-" + UUID.randomUUID();
    static final String WRONG_PASSWORD = "wr0ng-pw-" + UUID.randomUUID();

    static EmbeddedKafkaBroker broker;
    static KafkaCluster adminCluster;

    ListAppender<ILoggingEvent> logs;
    Level clientsLevel;

    @BeforeAll
    static void startBroker() throws Exception {
        String listenerJaas = scramJaas("admin", ADMIN_PASSWORD);
        broker = EmbeddedKafkaBroker.start(new EmbeddedBrokerOptions()
                .setListener("SASL_PLAINTEXT", "SASL_PLAINTEXT")
                .addScramUser("SCRAM-SHA-512", "admin", ADMIN_PASSWORD)
                .putExtraProperty("sasl.enabled.mechanisms", "SCRAM-SHA-512")
                .putExtraProperty("sasl.mechanism.inter.broker.protocol", "SCRAM-SHA-512")
                .putExtraProperty("listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config", listenerJaas)
                .putExtraProperty("authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer")
                // the controller listener is PLAINTEXT on loopback: the broker-to-controller principal is User:ANONYMOUS
                .putExtraProperty("super.users", "User:admin;User:ANONYMOUS")
                .putExtraProperty("allow.everyone.if.no.acl.found", "false"));
        Map<String, Object> adminProps = sasl(broker.bootstrapServers(), "admin", ADMIN_PASSWORD);
        adminCluster = new KafkaCluster() {
            @Override public String kind() { return "embedded-sasl"; }
            @Override public String bootstrapServers() { return broker.bootstrapServers(); }
            @Override public Map<String, Object> clientProperties() { return adminProps; }
        };
        // the worker's credentials are created as an operator would: through the admin API, after start
        try (Admin admin = adminCluster.admin()) {
            admin.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion(WORKER,
                    new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 8192), WORKER_PASSWORD))).all().get(30, TimeUnit.SECONDS);
        }
        // wait until the broker knows the new credential (describeCluster needs no ACL)
        await(Duration.ofSeconds(20), "the worker's SCRAM credential", () -> {
            try (Admin a = Admin.create(sasl(broker.bootstrapServers(), WORKER, WORKER_PASSWORD))) {
                a.describeCluster().clusterId().get(5, TimeUnit.SECONDS);
                return true;
            } catch (Exception e) {
                return false;
            }
        });
    }

    @AfterAll
    static void stopBroker() {
        if (broker != null) broker.close();
    }

    @BeforeEach
    void captureLogs() {
        LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
        logs = new ListAppender<>();
        logs.setContext(ctx);
        logs.start();
        ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).addAppender(logs);
        // client config dumps (INFO) too, so that a printed sasl.jaas.config would be caught
        Logger clients = ctx.getLogger("org.apache.kafka.clients");
        clientsLevel = clients.getLevel();
        clients.setLevel(Level.INFO);
    }

    @AfterEach
    void stopCapture() {
        LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
        ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).detachAppender(logs);
        ctx.getLogger("org.apache.kafka.clients").setLevel(clientsLevel);
    }

    static String scramJaas(String user, String password) {
        return "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"" + user + "\" password=\"" + password + "\";";
    }

    static Map<String, Object> sasl(String bootstrap, String user, String password) {
        Map<String, Object> p = new HashMap<>();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SASL_PLAINTEXT");
        p.put(SaslConfigs.SASL_MECHANISM, "SCRAM-SHA-512");
        p.put(SaslConfigs.SASL_JAAS_CONFIG, scramJaas(user, password));
        return Map.copyOf(p);
    }

    /** The worker's configuration: the kit's (unique topics and group), with the worker principal's SASL properties. */
    static WorkerConfig workerConfig(WorkerTestKit kit, String id, String password) {
        WorkerConfig c = kit.config(id);
        Map<String, String> props = Map.of(
                "security.protocol", "SASL_PLAINTEXT",
                "sasl.mechanism", "SCRAM-SHA-512",
                "sasl.jaas.config", scramJaas(WORKER, password));
        return c.withKafka(c.kafka().withProperties(props));
    }

    /** The ACLs of worker/TOPICS.md for {@code User:flowline-worker}, less {@code skip} (e.g. "WRITE results"). */
    static List<AclBinding> workerAcls(WorkerTestKit kit, String skip) {
        var t = kit.topics;
        List<AclBinding> acls = new ArrayList<>();
        List<String[]> grants = List.of(
                new String[]{"READ", "jobs", t.jobsTopic()},
                new String[]{"READ", "control", t.controlTopic()},
                new String[]{"WRITE", "results", t.resultsTopic()},
                new String[]{"WRITE", "progress", t.progressTopic()},
                new String[]{"WRITE", "telemetry", t.telemetryTopic()},
                new String[]{"WRITE", "dead-letter", t.deadLetterTopic()});
        for (String[] g : grants) {
            if ((g[0] + " " + g[1]).equals(skip)) continue;
            acls.add(new AclBinding(new ResourcePattern(ResourceType.TOPIC, g[2], PatternType.LITERAL),
                    new AccessControlEntry("User:" + WORKER, "*", AclOperation.valueOf(g[0]), AclPermissionType.ALLOW)));
        }
        acls.add(new AclBinding(new ResourcePattern(ResourceType.GROUP, kit.groupId, PatternType.LITERAL),
                new AccessControlEntry("User:" + WORKER, "*", AclOperation.READ, AclPermissionType.ALLOW)));
        return acls;
    }

    static void grant(List<AclBinding> acls) throws Exception {
        try (Admin admin = adminCluster.admin()) {
            admin.createAcls(acls).all().get(30, TimeUnit.SECONDS);
        }
        // the single node applies ACLs from its metadata log shortly after the controller committed them
        Thread.sleep(300);
    }

    /** Starts a worker on another thread; fails if the start neither returns nor throws within 60 s (safety bound). */
    static Throwable startFailure(WorkerTestKit kit, WorkerConfig cfg) throws Exception {
        CompletableFuture<FlowlineWorker> f = CompletableFuture.supplyAsync(() -> kit.start(cfg, kit.registry(0)));
        try {
            f.get(60, TimeUnit.SECONDS);
            return fail("the worker started although it should not have");
        } catch (ExecutionException e) {
            return e.getCause();
        }
    }

    void assertNoSecretInLogs(String... secrets) {
        for (ILoggingEvent e : logs.list) {
            StringBuilder text = new StringBuilder(e.getFormattedMessage());
            for (var tp = e.getThrowableProxy(); tp != null; tp = tp.getCause()) text.append(' ').append(tp.getMessage());
            for (String s : secrets) assertThat(text.toString()).as("log line of %s", e.getLoggerName()).doesNotContain(s);
        }
    }

    @Test
    void workerWithExactlyTheListedAclsProcessesJobsAndLeaksNoSecret() throws Exception {
        try (WorkerTestKit kit = new WorkerTestKit(adminCluster, 2)) {
            grant(workerAcls(kit, null));
            var results = kit.results();
            WorkerConfig cfg = workerConfig(kit, "w-sec", WORKER_PASSWORD);
            assertThat(cfg.toString()).doesNotContain(WORKER_PASSWORD).contains("sasl.jaas.config");
            FlowlineWorker w = kit.start(cfg, kit.registry(0));
            await(Duration.ofSeconds(30), "readiness", w::ready);

            List<GenerationRequest> jobs = new ArrayList<>();
            for (int i = 0; i < 20; i++) jobs.add(request("sec-" + i).setProgress(i % 2 == 0).build());
            kit.sendAll(jobs); // as admin (the producers' principal needs WRITE on jobs)
            kit.send(request("sec-bad").setModel("no-such-model").build()); // a dead letter: WRITE on dead-letter works
            var dead = kit.deadLetters();
            await(Duration.ofSeconds(30), "20 results", () -> WorkerTestKit.jobIds(results.records).size() >= 20);
            await(Duration.ofSeconds(15), "the dead letter", () -> dead.records.size() >= 1);
            assertThat(WorkerTestKit.byJobId(results.records).values()).allSatisfy(r -> assertThat(r.getStatus()).isEqualTo(JobStatus.SUCCEEDED));
            await(Duration.ofSeconds(15), "committed offsets at the log end", () -> kit.lag() == 0);
            assertThat(w.metrics().partitionsRemoved()).isZero();
            Thread.sleep(500); // at least one telemetry interval after the last job
            w.drain().get(30, TimeUnit.SECONDS);
            assertThat(kit.lag()).isZero();

            // no secret in telemetry, progress or results records (raw bytes), nor in any log line
            for (String topic : List.of(kit.topics.telemetryTopic(), kit.topics.progressTopic(), kit.topics.resultsTopic(), kit.topics.deadLetterTopic())) {
                List<byte[]> values = readAll(topic);
                assertThat(values).as(topic).isNotEmpty();
                for (byte[] v : values) {
                    String s = new String(v, StandardCharsets.ISO_8859_1);
                    assertThat(s).doesNotContain(WORKER_PASSWORD).doesNotContain(ADMIN_PASSWORD);
                }
            }
            assertThat(logs.list).isNotEmpty();
            assertThat(logs.list).anyMatch(e -> e.getFormattedMessage().contains("starting worker w-sec"));
            assertNoSecretInLogs(WORKER_PASSWORD, ADMIN_PASSWORD);
        }
    }

    @Test
    void wrongPasswordFailsTheStartWithAnAuthenticationMessageAndNoPassword() throws Exception {
        try (WorkerTestKit kit = new WorkerTestKit(adminCluster, 1)) {
            grant(workerAcls(kit, null));
            long t0 = System.nanoTime();
            Throwable failure = startFailure(kit, workerConfig(kit, "w-wrong", WRONG_PASSWORD));
            long ms = (System.nanoTime() - t0) / 1_000_000;
            System.out.printf("wrong password: start failed after %d ms: %s%n", ms, failure.getMessage());
            assertThat(failure).isInstanceOf(KafkaPreflight.KafkaAccessException.class);
            assertThat(failure.getMessage()).containsIgnoringCase("authentication").contains(broker.bootstrapServers())
                    .doesNotContain(WRONG_PASSWORD).doesNotContain(WORKER_PASSWORD);
            assertNoSecretInLogs(WRONG_PASSWORD, WORKER_PASSWORD, ADMIN_PASSWORD);
        }
    }

    @Test
    void aMissingAclFailsTheStartNamingTheTopicAndThePermission() throws Exception {
        try (WorkerTestKit kit = new WorkerTestKit(adminCluster, 1)) {
            grant(workerAcls(kit, "WRITE results"));
            kit.send(request("kept-1").build()); // a job waiting before the start
            Throwable failure = startFailure(kit, workerConfig(kit, "w-noacl", WORKER_PASSWORD));
            System.out.println("missing ACL: " + failure.getMessage());
            assertThat(failure).isInstanceOf(KafkaPreflight.KafkaAccessException.class);
            assertThat(failure.getMessage()).contains("lacks WRITE on topic " + kit.topics.resultsTopic());
            // the job is not lost: nothing was consumed or committed
            assertThat(kit.lag()).isEqualTo(1);

            // DESCRIBE alone (the topic is visible, but not writable): the preflight asks for the authorized operations
            grant(List.of(new AclBinding(new ResourcePattern(ResourceType.TOPIC, kit.topics.resultsTopic(), PatternType.LITERAL),
                    new AccessControlEntry("User:" + WORKER, "*", AclOperation.DESCRIBE, AclPermissionType.ALLOW))));
            failure = startFailure(kit, workerConfig(kit, "w-noacl", WORKER_PASSWORD));
            System.out.println("DESCRIBE only: " + failure.getMessage());
            assertThat(failure.getMessage()).contains("lacks WRITE on topic " + kit.topics.resultsTopic());
            assertThat(kit.lag()).isEqualTo(1);

            // once the operator adds the ACL, the same job runs
            grant(workerAcls(kit, null));
            var results = kit.results();
            FlowlineWorker w = kit.start(workerConfig(kit, "w-noacl", WORKER_PASSWORD), kit.registry(0));
            await(Duration.ofSeconds(30), "the waiting job's result", () -> WorkerTestKit.jobIds(results.records).contains("kept-1"));
            await(Duration.ofSeconds(15), "committed offsets at the log end", () -> kit.lag() == 0);
            w.drain().get(30, TimeUnit.SECONDS);
            assertNoSecretInLogs(WORKER_PASSWORD, ADMIN_PASSWORD);
        }
    }

    static List<byte[]> readAll(String topic) {
        Map<String, Object> p = new HashMap<>(adminCluster.clientProperties());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "check-" + UUID.randomUUID());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        List<byte[]> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p)) {
            c.subscribe(List.of(topic));
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            int empty = 0;
            while (System.nanoTime() < deadline && empty < 5) {
                var recs = c.poll(Duration.ofMillis(200));
                if (recs.isEmpty() && !out.isEmpty()) empty++;
                for (ConsumerRecord<byte[], byte[]> r : recs) out.add(r.value());
            }
        }
        return out;
    }
}
