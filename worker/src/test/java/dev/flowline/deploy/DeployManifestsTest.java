package dev.flowline.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.flowline.kafka.WorkerTopics;
import dev.flowline.config.ConfigDef;
import dev.flowline.config.ConfigException;
import dev.flowline.config.Secrets;
import dev.flowline.config.WorkerConfig;
import dev.flowline.kafka.KafkaClients;
import dev.flowline.telemetry.HttpEndpoint;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Keeps {@code deploy/} (Dockerfiles, compose, Prometheus, Kubernetes manifests, KEDA) in step with the worker's code:
 * configuration keys and their environment names ({@link WorkerConfig#DEF}), topic names, the consumer group, the
 * HTTP port and endpoints ({@link HttpEndpoint#PATHS}), the drain timeout against grace periods, and the topic
 * settings of {@code run --create-topics}. Expected values are computed from the code and from the configuration
 * files the containers load, never written down here, so a rename on either side fails this test.
 *
 * <p>Only parsing here: image builds, {@code docker compose up} and {@code kubectl apply} need a Docker engine or a
 * cluster. When the binaries exist, {@code yamllint -s deploy} and {@code kubectl kustomize} run too.
 */
class DeployManifestsTest {

    private static final Path ROOT = findRoot();
    private static final Path DEPLOY = ROOT.resolve("deploy");
    private static final Path K8S = DEPLOY.resolve("k8s");
    private static final Path K8S_BASE = K8S.resolve("base");
    private static final Path K8S_GPU = K8S.resolve("gpu");
    private static final Path K8S_SHARE = K8S.resolve("share");
    private static final Path COMPOSE = DEPLOY.resolve("compose.yaml");
    private static final Path IMAGE_CONFIG = DEPLOY.resolve("config/worker.yaml");
    private static final Path WORKER_DOCKERFILE = DEPLOY.resolve("Dockerfile.worker");

    /** FLOWLINE_* variables that are not configuration keys, each with the file that reads it. Keep this short. */
    private static final Map<String, String> NON_CONFIG_VARIABLES = Map.of(
            "FLOWLINE_LOG_LEVEL", "worker/src/main/resources/logback.xml",
            "FLOWLINE_LOG_KAFKA_FILE", "worker/src/main/resources/logback.xml",
            "FLOWLINE_JAVA_OPTS", "bin/flowline-worker");

    /** A variable name, or in prose a family of them: {@code FLOWLINE_KAFKA_*}, {@code FLOWLINE_KAFKA_PROPERTIES_<KEY>}. */
    private static final Pattern FLOWLINE_VARIABLE = Pattern.compile("\\bFLOWLINE_[A-Z0-9]+(?:_[A-Z0-9]+)*(_[*<])?");
    private static final Pattern HTTP_URL = Pattern.compile("https?://[^/:\\s\"']+:(\\d+)(/[^\\s\"'|;]*)");
    private static final Set<String> WILDCARD_HOSTS = Set.of("0.0.0.0", "::", "[::]");

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    // ---------------------------------------------------------------------------------------------------------
    // Files and configuration

    @Test
    void everyYamlFileUnderDeployParses() throws IOException {
        List<Path> files = yamlFiles(DEPLOY);
        assertThat(files).as("YAML files under deploy/").isNotEmpty()
                .contains(COMPOSE, IMAGE_CONFIG, K8S.resolve("kustomization.yaml"), K8S_BASE.resolve("kustomization.yaml"));
        for (Path f : files) {
            assertThat(readAll(f)).as("documents of %s", ROOT.relativize(f)).isNotEmpty()
                    .allSatisfy(d -> assertThat(d.isObject()).as("%s: every document is a mapping", ROOT.relativize(f)).isTrue());
        }
    }

    @Test
    void workerConfigFilesLoadWithOnlyDefinedKeysAndLeaveKafkaAccessToTheEnvironment() throws IOException {
        for (Path f : List.of(IMAGE_CONFIG, k8sConfigFile())) {
            WorkerConfig cfg = load(f, Map.of(), "no environment");
            assertThat(cfg).isNotNull();
            JsonNode raw = single(f);
            // Bootstrap servers and credentials differ per deployment: the environment provides them.
            assertThat(at(raw, "kafka.bootstrapServers").isMissingNode() && at(raw, "kafka", "bootstrapServers").isMissingNode())
                    .as("%s must not set kafka.bootstrapServers (FLOWLINE_KAFKA_BOOTSTRAP_SERVERS provides it)", rel(f)).isTrue();
            JsonNode props = at(raw, "kafka", "properties");
            if (props.isObject()) {
                List<String> secretKeys = new ArrayList<>();
                flattenKeys("", props, secretKeys);
                assertThat(secretKeys).as("%s: credentials belong in a secret, not in kafka.properties", rel(f))
                        .noneMatch(Secrets::isSecretKey);
            }
        }
    }

    @Test
    void everyFlowlineVariableNamedUnderDeployIsAConfigurationKey() throws IOException {
        Map<String, Set<String>> where = new TreeMap<>();
        try (Stream<Path> s = Files.walk(DEPLOY)) {
            for (Path f : s.filter(Files::isRegularFile).toList()) {
                Matcher m = FLOWLINE_VARIABLE.matcher(Files.readString(f));
                while (m.find()) where.computeIfAbsent(m.group(), k -> new TreeSet<>()).add(rel(f));
            }
        }
        assertThat(where).as("FLOWLINE_* variables under deploy/").isNotEmpty();
        List<String> problems = new ArrayList<>();
        where.forEach((var, files) -> {
            Optional<String> problem;
            if (var.endsWith("_*") || var.endsWith("_<")) {
                String prefix = var.substring(0, var.length() - 1);
                problem = WorkerConfig.DEF.keys().stream().anyMatch(k -> (k.envName() + "_").startsWith(prefix))
                        ? Optional.empty() : Optional.of(var + " matches no key of WorkerConfig.DEF");
            } else {
                problem = variableProblem(var, true);
            }
            problem.ifPresent(p -> problems.add(p + " (in " + files + ")"));
        });
        assertThat(problems).as("variables that map to no key of WorkerConfig.DEF").isEmpty();
    }

    @Test
    void nonConfigVariablesAreReadWhereTheListSaysAndCannotCollideWithASection() throws IOException {
        for (Map.Entry<String, String> e : NON_CONFIG_VARIABLES.entrySet()) {
            assertThat(Files.readString(ROOT.resolve(e.getValue()))).as("%s is read by %s", e.getKey(), e.getValue()).contains(e.getKey());
            String section = e.getKey().substring(ConfigDef.ENV_PREFIX.length()).split("_")[0].toLowerCase(Locale.ROOT);
            assertThat(WorkerConfig.DEF.sections()).as("ConfigLoader rejects %s once '%s' is a config section", e.getKey(), section)
                    .doesNotContain(section);
        }
    }

    @Test
    void containersSetNoVariableThatOnlyTheLauncherScriptsRead() throws IOException {
        // The images run java directly, so bin/ script variables (FLOWLINE_JAVA_OPTS) would be silently ignored.
        Set<String> scriptOnly = NON_CONFIG_VARIABLES.entrySet().stream().filter(e -> e.getValue().startsWith("bin/"))
                .map(Map.Entry::getKey).collect(Collectors.toSet());
        Set<String> declared = new TreeSet<>();
        for (Path f : dockerfiles()) {
            for (Instruction i : dockerfile(f)) if (i.is("ENV")) declared.addAll(envInstruction(i.args()).keySet());
        }
        single(COMPOSE).path("services").forEach(svc -> declared.addAll(envOf(svc).keySet()));
        for (Path dir : List.of(K8S_BASE, K8S_GPU, K8S_SHARE)) {
            for (Path f : yamlFiles(dir)) {
                for (JsonNode d : readAll(f)) {
                    for (JsonNode c : d.path("spec").path("template").path("spec").path("containers")) {
                        c.path("env").forEach(e -> declared.add(e.path("name").asText()));
                    }
                }
            }
        }
        assertThat(declared).as("container environments").isNotEmpty().doesNotContainAnyElementsOf(scriptOnly);
    }

    // ---------------------------------------------------------------------------------------------------------
    // HTTP endpoints

    @Test
    void everyProbedOrScrapedPathIsServedByTheHttpEndpoint() throws Exception {
        Set<String> used = new TreeSet<>();
        for (Path f : dockerfiles()) {
            Instruction hc = finalStage(dockerfile(f)).stream().filter(i -> i.is("HEALTHCHECK")).findFirst().orElse(null);
            if (hc != null) used.add(url(hc.args(), rel(f) + " HEALTHCHECK").path());
        }
        for (JsonNode svc : workerServices()) used.add(url(healthcheckCommand(svc), "compose healthcheck").path());
        for (JsonNode probe : probes(deployment())) used.add(probe.path("httpGet").path("path").asText());
        used.add(prometheusWorkerJob().path("metrics_path").asText("/metrics"));
        used.add(serviceMonitor().path("spec").path("endpoints").get(0).path("path").asText());
        assertThat(HttpEndpoint.PATHS).containsAll(used);

        // And the endpoint really answers them (not a 404), on an ephemeral port.
        Vertx vertx = Vertx.vertx();
        try {
            HttpEndpoint endpoint = new HttpEndpoint(new dev.flowline.config.HttpOptions(true, "127.0.0.1", 0),
                    new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), () -> null);
            vertx.deployVerticle(endpoint).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            for (String path : used) {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + endpoint.port() + path))
                        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).as("GET %s", path).isEqualTo(200);
            }
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Dockerfiles

    @Test
    void dockerfilesCopyExistingFilesKeepTheSyntaxDirectiveFirstAndRunAsNonRoot() throws IOException {
        List<Path> files = dockerfiles();
        assertThat(files).extracting(p -> p.getFileName().toString())
                .contains("Dockerfile.worker", "Dockerfile.worker-gpu", "Dockerfile.demo");
        for (Path f : files) {
            List<String> lines = Files.readAllLines(f);
            for (int i = 1; i < lines.size(); i++) {
                assertThat(lines.get(i)).as("%s:%d: a parser directive counts only on the first line", rel(f), i + 1)
                        .doesNotStartWith("# syntax=");
            }
            List<Instruction> all = dockerfile(f);
            for (Instruction copy : all) {
                if (!copy.is("COPY") || copy.args().startsWith("--from")) continue;
                List<String> parts = List.of(copy.args().split("\\s+"));
                for (String src : parts.subList(0, parts.size() - 1)) {
                    if (src.startsWith("--")) continue;
                    assertThat(ROOT.resolve(src)).as("%s: COPY source %s (relative to the build context, the repository root)", rel(f), src).exists();
                }
            }
            String user = finalStage(all).stream().filter(i -> i.is("USER")).reduce((a, b) -> b).map(Instruction::args).orElse("root");
            assertThat(user).as("%s: USER of the final stage", rel(f)).isNotIn("root", "0", "0:0");
        }
    }

    @Test
    void dockerfilesRunTheJarsTheBuildProduces() throws IOException {
        Map<Path, String> jarByDockerfile = Map.of(
                WORKER_DOCKERFILE, finalName("worker"),
                DEPLOY.resolve("Dockerfile.worker-gpu"), finalName("worker"),
                DEPLOY.resolve("Dockerfile.demo"), finalName("producer-demo"));
        for (Map.Entry<Path, String> e : jarByDockerfile.entrySet()) {
            List<Instruction> stage = finalStage(dockerfile(e.getKey()));
            String jar = e.getValue() + ".jar";
            assertThat(stage).as("%s copies target/%s", rel(e.getKey()), jar)
                    .anyMatch(i -> i.is("COPY") && i.args().startsWith("--from") && i.args().contains("/target/" + jar + " "));
            Instruction entry = stage.stream().filter(i -> i.is("ENTRYPOINT")).findFirst().orElseThrow();
            assertThat(entry.args()).as("%s ENTRYPOINT", rel(e.getKey())).contains("/" + jar + "\"");
        }
    }

    @Test
    void workerImagesLoadTheirConfigExposeTheHttpPortAndBindAllInterfaces() throws IOException {
        for (Path f : workerDockerfiles()) {
            WorkerImage image = workerImage(f);
            WorkerConfig cfg = load(image.configSource(), image.env(), rel(f) + " ENV");
            int port = cfg.http().port();
            assertThat(cfg.http().host()).as("%s: http.host inside a container", rel(f)).isIn(WILDCARD_HOSTS);
            List<Instruction> stage = finalStage(dockerfile(f));
            assertThat(stage.stream().filter(i -> i.is("EXPOSE")).flatMap(i -> Stream.of(i.args().split("\\s+"))).toList())
                    .as("%s EXPOSE", rel(f)).contains(String.valueOf(port));
            Url hc = url(stage.stream().filter(i -> i.is("HEALTHCHECK")).findFirst().orElseThrow().args(), rel(f));
            assertThat(hc.port()).as("%s HEALTHCHECK port", rel(f)).isEqualTo(port);
            assertThat(hc.path()).as("%s HEALTHCHECK path", rel(f)).isEqualTo(HttpEndpoint.HEALTH_PATH);
            List<String> cmd = jsonArray(stage.stream().filter(i -> i.is("CMD")).reduce((a, b) -> b).orElseThrow().args());
            assertThat(cmd).as("%s CMD", rel(f)).containsSubsequence("run", "--config", image.configPath());
            assertThat(image.env()).as("%s: DJL_CACHE_DIR", rel(f)).containsKey("DJL_CACHE_DIR");
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Compose

    @Test
    void composeWorkersLoadTheImageConfigReachKafkaAndOutliveTheirDrain() throws IOException {
        JsonNode services = single(COMPOSE).path("services");
        List<JsonNode> workers = workerServices();
        assertThat(workers).as("compose worker services").hasSize(1);
        JsonNode w = workers.get(0);
        WorkerConfig cfg = composeWorkerConfig(w);
        assertThat(cfg.http().host()).as("compose worker http.host").isIn(WILDCARD_HOSTS);

        int replicas = w.path("deploy").path("replicas").asInt(1);
        assertThat(replicas).as("compose worker replicas").isGreaterThanOrEqualTo(2);
        assertThat(envOf(w)).as("replicas of one service share its environment, so no fixed worker id")
                .doesNotContainKey(WorkerConfig.DEF.key("worker.id").envName());

        Duration grace = goDuration(w.path("stop_grace_period").asText("10s"));
        assertThat(grace).as("compose stop_grace_period vs worker.drainTimeoutMs").isGreaterThan(cfg.worker().drainTimeout());

        // Kafka: the workers' and the demo's bootstrap is an advertised listener of the kafka service.
        JsonNode kafka = kafkaService(services);
        String advertised = envOf(kafka).getOrDefault("KAFKA_ADVERTISED_LISTENERS", "");
        String bootstrap = cfg.kafka().bootstrapServers();
        assertThat(advertised).as("KAFKA_ADVERTISED_LISTENERS").contains("://" + bootstrap);
        assertThat(kafka.path("healthcheck").path("test").isMissingNode()).as("kafka healthcheck").isFalse();
        JsonNode demo = services.path("demo");
        List<String> demoCmd = strings(demo.path("command"));
        assertThat(demoCmd).as("demo command").containsSubsequence("--bootstrap", bootstrap);
        assertThat(demo.path("build").path("dockerfile").asText()).isEqualTo("deploy/Dockerfile.demo");

        // Start order: Kafka healthy, topics created.
        String topicsService = topicsServiceName(services);
        assertThat(w.path("depends_on").path(serviceName(services, kafka)).path("condition").asText()).isEqualTo("service_healthy");
        assertThat(w.path("depends_on").path(topicsService).path("condition").asText()).isEqualTo("service_completed_successfully");

        // Health: a path the endpoint serves, on the configured port.
        Url hc = url(healthcheckCommand(w), "compose worker healthcheck");
        assertThat(hc.port()).as("compose worker healthcheck port").isEqualTo(cfg.http().port());

        // Builds from the repository root with files that exist.
        for (JsonNode svc : List.of(w, demo)) {
            Path context = DEPLOY.resolve(svc.path("build").path("context").asText()).normalize();
            assertThat(context).as("build context").isEqualTo(ROOT);
            assertThat(context.resolve(svc.path("build").path("dockerfile").asText())).exists();
        }
    }

    /** One Kafka version everywhere: the POM's kafka.version (read back from kafka-clients) is the broker image's tag. */
    @Test
    void everyComposeKafkaImageIsTheKafkaVersionOfTheBuild() throws IOException {
        String version = org.apache.kafka.common.utils.AppInfoParser.getVersion();
        List<String> images = new ArrayList<>();
        single(COMPOSE).path("services").forEach(svc -> {
            String image = svc.path("image").asText();
            if (image.startsWith("apache/kafka")) images.add(image);
        });
        assertThat(images).isNotEmpty().allSatisfy(i -> assertThat(i).isEqualTo("apache/kafka:" + version));
        assertThat(Files.readString(DEPLOY.resolve("README.md"))).contains("apache/kafka:" + version).doesNotContainPattern("apache/kafka:(?!" + java.util.regex.Pattern.quote(version) + ")");
    }

    @Test
    void composeCreatesTheWorkersTopicsAsCreateTopicsWould() throws IOException {
        JsonNode services = single(COMPOSE).path("services");
        WorkerConfig cfg = composeWorkerConfig(workerServices().get(0));
        String script = String.join("\n", strings(services.path(topicsServiceName(services)).path("command")));

        Map<String, TopicSpec> created = new LinkedHashMap<>();
        Pattern topic = Pattern.compile("--topic\\s+(\\S+)");
        for (String line : script.split("\n")) {
            if (!line.contains("--topic") || line.contains("--describe")) continue;
            Matcher m = topic.matcher(line);
            assertThat(m.find()).isTrue();
            created.put(m.group(1), TopicSpec.parse(line));
        }
        assertThat(script).as("topics service bootstrap").contains("--bootstrap-server " + cfg.kafka().bootstrapServers());
        assertThat(created.keySet()).as("topics created by compose = the worker's topics (prefix + names)")
                .containsExactlyInAnyOrderElementsOf(cfg.topics().allTopics());
        for (Map.Entry<String, TopicSpec> e : created.entrySet()) {
            String name = e.getKey();
            // As WorkerMain.createTopics: the control topic has one partition, every other topics.partitions.
            int partitions = name.equals(cfg.topics().controlTopic()) ? 1 : cfg.topics().partitions();
            assertThat(e.getValue().partitions()).as("partitions of %s", name).isEqualTo(partitions);
            assertThat(e.getValue().replicationFactor()).as("replication factor of %s", name).isEqualTo(cfg.topics().replicationFactor());
            assertThat(e.getValue().configs()).as("configs of %s", name).isEqualTo(WorkerTopics.topicConfigs(name, cfg));
        }
        int replicas = workerServices().get(0).path("deploy").path("replicas").asInt(1);
        assertThat(created.get(cfg.topics().jobsTopic()).partitions()).as("jobs partitions >= worker replicas").isGreaterThanOrEqualTo(replicas);
    }

    @Test
    void prometheusScrapesEveryComposeWorkerOnTheHttpPort() throws IOException {
        JsonNode services = single(COMPOSE).path("services");
        JsonNode worker = workerServices().get(0);
        WorkerConfig cfg = composeWorkerConfig(worker);
        JsonNode prometheus = services.path("prometheus");
        List<String> mounts = strings(prometheus.path("volumes"));
        assertThat(mounts).as("prometheus volumes").anySatisfy(v ->
                assertThat(DEPLOY.resolve(v.split(":")[0]).normalize()).isEqualTo(DEPLOY.resolve("prometheus/prometheus.yml")));
        JsonNode job = prometheusWorkerJob();
        assertThat(job.path("metrics_path").asText("/metrics")).isEqualTo(HttpEndpoint.METRICS_PATH);
        JsonNode sd = job.path("dns_sd_configs").get(0);
        assertThat(strings(sd.path("names"))).as("DNS names scraped").contains(serviceName(services, worker));
        assertThat(sd.path("port").asInt()).as("scrape port").isEqualTo(cfg.http().port());
    }

    // ---------------------------------------------------------------------------------------------------------
    // Kubernetes

    @Test
    void kustomizationsListEveryManifestAndEveryListedFileExists() throws IOException {
        for (Path dir : List.of(K8S, K8S_BASE, K8S_GPU, K8S_SHARE)) {
            JsonNode k = single(dir.resolve("kustomization.yaml"));
            for (String r : strings(k.path("resources"))) {
                Path p = dir.resolve(r).normalize();
                assertThat(Files.isRegularFile(p) || Files.isRegularFile(p.resolve("kustomization.yaml")))
                        .as("%s resource %s", rel(dir), r).isTrue();
            }
            for (JsonNode patch : k.path("patches")) {
                if (patch.has("path")) assertThat(dir.resolve(patch.path("path").asText())).exists();
            }
            for (JsonNode gen : k.path("configMapGenerator")) {
                for (String file : strings(gen.path("files"))) assertThat(dir.resolve(fileOf(file))).exists();
            }
        }
        List<String> listed = strings(single(K8S_BASE.resolve("kustomization.yaml")).path("resources"));
        try (Stream<Path> s = Files.list(K8S_BASE)) {
            for (Path f : s.filter(p -> p.toString().endsWith(".yaml")).toList()) {
                boolean manifest = readAll(f).stream().anyMatch(d -> d.has("apiVersion") && d.has("kind") && !d.path("kind").asText().equals("Kustomization"));
                if (manifest) assertThat(listed).as("base/kustomization.yaml resources").contains(f.getFileName().toString());
            }
        }
        assertThat(strings(single(K8S_GPU.resolve("kustomization.yaml")).path("resources"))).as("GPU overlay base").contains("../base");
        assertThat(strings(single(K8S_SHARE.resolve("kustomization.yaml")).path("resources"))).as("share overlay base").contains("../base");
    }

    @Test
    void kubernetesObjectsShareOneNamespace() throws IOException {
        String ns = byKind("Namespace").get(0).path("metadata").path("name").asText();
        assertThat(single(K8S_BASE.resolve("kustomization.yaml")).path("namespace").asText()).isEqualTo(ns);
        for (JsonNode m : manifests(K8S_BASE)) {
            if (m.path("kind").asText().equals("Namespace")) continue;
            assertThat(m.path("metadata").path("namespace").asText()).as("namespace of %s %s", m.path("kind").asText(), name(m)).isEqualTo(ns);
        }
    }

    @Test
    void deploymentLoadsItsConfigMapWithEnvironmentOfDefinedKeys() throws IOException {
        JsonNode container = workerContainer(deployment());
        List<String> args = strings(container.path("args"));
        int i = args.indexOf("--config");
        assertThat(i).as("container args name --config").isGreaterThanOrEqualTo(0);
        Path configPath = Path.of(args.get(i + 1));
        JsonNode mount = stream(container.path("volumeMounts"))
                .filter(m -> Path.of(m.path("mountPath").asText()).equals(configPath.getParent())).findFirst()
                .orElseThrow(() -> new AssertionError("no volume mounted at " + configPath.getParent()));
        JsonNode volume = volume(deployment(), mount.path("name").asText());
        JsonNode gen = single(K8S_BASE.resolve("kustomization.yaml")).path("configMapGenerator").get(0);
        assertThat(volume.path("configMap").path("name").asText()).as("config volume's ConfigMap").isEqualTo(gen.path("name").asText());
        assertThat(strings(gen.path("files")).stream().map(DeployManifestsTest::keyOf).toList())
                .as("ConfigMap keys").contains(configPath.getFileName().toString());

        // Every FLOWLINE_* entry names a key (structured, unlike the text scan: a MAP key itself is not a variable).
        for (JsonNode e : container.path("env")) {
            String var = e.path("name").asText();
            if (var.startsWith(ConfigDef.ENV_PREFIX)) assertThat(variableProblem(var, false)).as(var).isEmpty();
        }
        WorkerConfig cfg = k8sConfig();
        assertThat(cfg.http().host()).as("http.host in the pod").isIn(WILDCARD_HOSTS);
        assertThat(cfg.kafka().properties()).as("SASL from the environment").containsKeys("security.protocol", "sasl.mechanism", "sasl.jaas.config");
        JsonNode id = envEntry(container, WorkerConfig.DEF.key("worker.id").envName());
        assertThat(id.path("valueFrom").path("fieldRef").path("fieldPath").asText()).as("worker id = pod name").isEqualTo("metadata.name");
    }

    @Test
    void deploymentPortsAndProbesUseTheHttpPortAndServedPaths() throws IOException {
        WorkerConfig cfg = k8sConfig();
        JsonNode d = deployment();
        JsonNode c = workerContainer(d);
        assertThat(c.path("readinessProbe").path("httpGet").path("path").asText()).isEqualTo(HttpEndpoint.READY_PATH);
        assertThat(c.path("livenessProbe").path("httpGet").path("path").asText()).isEqualTo(HttpEndpoint.HEALTH_PATH);
        assertThat(c.path("startupProbe").path("httpGet").path("path").asText()).isIn(HttpEndpoint.PATHS);
        for (JsonNode probe : probes(d)) {
            assertThat(resolveContainerPort(c, probe.path("httpGet").path("port"))).as("probe port").isEqualTo(cfg.http().port());
        }
        assertThat(stream(c.path("ports")).map(p -> p.path("containerPort").asInt()).toList()).contains(cfg.http().port());
    }

    @Test
    void serviceAndServiceMonitorReachTheMetricsEndpoint() throws IOException {
        WorkerConfig cfg = k8sConfig();
        JsonNode d = deployment();
        JsonNode podLabels = d.path("spec").path("template").path("metadata").path("labels");
        JsonNode svc = byKind("Service").get(0);
        assertSelects(svc.path("spec").path("selector"), podLabels, "Service selector");
        JsonNode sm = serviceMonitor();
        assertSelects(sm.path("spec").path("selector").path("matchLabels"), svc.path("metadata").path("labels"), "ServiceMonitor selector");
        JsonNode endpoint = sm.path("spec").path("endpoints").get(0);
        assertThat(endpoint.path("path").asText()).isEqualTo(HttpEndpoint.METRICS_PATH);
        JsonNode svcPort = stream(svc.path("spec").path("ports")).filter(p -> p.path("name").asText().equals(endpoint.path("port").asText()))
                .findFirst().orElseThrow(() -> new AssertionError("ServiceMonitor port " + endpoint.path("port").asText() + " is no Service port name"));
        assertThat(resolveContainerPort(workerContainer(d), svcPort.path("targetPort"))).as("Service targetPort").isEqualTo(cfg.http().port());
        assertSelects(byKind("PodDisruptionBudget").get(0).path("spec").path("selector").path("matchLabels"), podLabels, "PDB selector");
    }

    @Test
    void terminationGraceOutlastsTheDrainAndThePreStopHook() throws IOException {
        WorkerConfig cfg = k8sConfig();
        JsonNode spec = deployment().path("spec").path("template").path("spec");
        JsonNode preStop = workerContainer(deployment()).path("lifecycle").path("preStop");
        long preStopSeconds;
        if (preStop.has("sleep")) {
            preStopSeconds = preStop.path("sleep").path("seconds").asLong();
        } else {
            List<String> cmd = strings(preStop.path("exec").path("command"));
            assertThat(cmd).as("preStop exec").hasSize(2).first().isEqualTo("sleep");
            preStopSeconds = Long.parseLong(cmd.get(1));
        }
        assertThat(preStopSeconds).as("preStop sleep").isPositive();
        long grace = spec.path("terminationGracePeriodSeconds").asLong(30);
        long drainSeconds = (cfg.worker().drainTimeout().toMillis() + 999) / 1000;
        assertThat(grace).as("terminationGracePeriodSeconds > worker.drainTimeoutMs/1000 + preStop sleep")
                .isGreaterThan(drainSeconds + preStopSeconds);
    }

    @Test
    void podRunsNonRootOnAReadOnlyRootWithWritableCacheAndTmp() throws IOException {
        JsonNode d = deployment();
        JsonNode spec = d.path("spec").path("template").path("spec");
        JsonNode c = workerContainer(d);
        assertThat(spec.path("securityContext").path("runAsNonRoot").asBoolean()).isTrue();
        assertThat(c.path("securityContext").path("readOnlyRootFilesystem").asBoolean()).isTrue();
        assertThat(c.path("securityContext").path("allowPrivilegeEscalation").asBoolean(true)).isFalse();
        Map<String, String> env = new HashMap<>(workerImage(WORKER_DOCKERFILE).env());
        for (JsonNode e : c.path("env")) if (e.has("value")) env.put(e.path("name").asText(), e.path("value").asText());
        for (String dir : List.of(env.get("DJL_CACHE_DIR"), "/tmp")) {
            JsonNode mount = stream(c.path("volumeMounts")).filter(m -> m.path("mountPath").asText().equals(dir)).findFirst()
                    .orElseThrow(() -> new AssertionError("nothing writable mounted at " + dir));
            assertThat(volume(d, mount.path("name").asText()).has("emptyDir")).as("%s is an emptyDir", dir).isTrue();
        }
        assertThat(c.path("resources").path("requests").isObject()).as("resource requests").isTrue();
        assertThat(c.path("resources").path("limits").path("memory").isMissingNode()).as("memory limit").isFalse();
    }

    @Test
    void kedaScalesTheDeploymentOnTheJobsTopicsLagUpToItsPartitionCount() throws IOException {
        WorkerConfig cfg = k8sConfig();
        Map<String, Object> consumer = KafkaClients.jobsConsumer(cfg.kafka(), "deploy-test");
        JsonNode so = byKind("ScaledObject").get(0);
        JsonNode d = deployment();
        assertThat(so.path("spec").path("scaleTargetRef").path("name").asText()).isEqualTo(name(d));
        assertThat(d.path("spec").has("replicas")).as("the Deployment leaves replicas to KEDA").isFalse();
        assertThat(so.path("spec").path("minReplicaCount").asInt(0)).as("minReplicaCount").isEqualTo(1);
        assertThat(so.path("spec").path("maxReplicaCount").asInt()).as("maxReplicaCount = partitions of the jobs topic (topics.partitions)")
                .isEqualTo(cfg.topics().partitions());

        JsonNode trigger = so.path("spec").path("triggers").get(0);
        assertThat(trigger.path("type").asText()).isEqualTo("kafka");
        JsonNode meta = trigger.path("metadata");
        assertThat(meta.path("topic").asText()).as("topic").isEqualTo(cfg.topics().jobsTopic());
        assertThat(meta.path("consumerGroup").asText()).as("consumerGroup").isEqualTo(consumer.get(ConsumerConfig.GROUP_ID_CONFIG));
        assertThat(meta.path("consumerGroup").asText()).isEqualTo(cfg.kafka().groupId());
        assertThat(meta.path("bootstrapServers").asText()).as("bootstrapServers").isEqualTo(consumer.get(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG));
        assertThat(meta.path("offsetResetPolicy").asText("latest")).as("offsetResetPolicy").isEqualTo(consumer.get(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG));
        assertThat(meta.path("allowIdleConsumers").asText("false")).isEqualTo("false");
        assertThat(Integer.parseInt(meta.path("lagThreshold").asText())).as("lagThreshold").isPositive();
        for (Iterator<Map.Entry<String, JsonNode>> it = meta.fields(); it.hasNext(); ) {
            assertThat(it.next().getValue().isTextual()).as("KEDA trigger metadata values are strings").isTrue();
        }
    }

    @Test
    void kedaAuthenticationAndTheWorkerUseTheSameSaslSettings() throws IOException {
        WorkerConfig cfg = k8sConfig();
        Map<String, String> props = cfg.kafka().properties();
        JsonNode so = byKind("ScaledObject").get(0);
        String authName = so.path("spec").path("triggers").get(0).path("authenticationRef").path("name").asText();
        JsonNode auth = byKind("TriggerAuthentication").stream().filter(a -> name(a).equals(authName)).findFirst()
                .orElseThrow(() -> new AssertionError("no TriggerAuthentication " + authName));
        Map<String, String> params = new HashMap<>();
        for (JsonNode ref : auth.path("spec").path("secretTargetRef")) {
            params.put(ref.path("parameter").asText(), secretValue(ref.path("name").asText(), ref.path("key").asText()));
        }
        String mechanism = props.get("sasl.mechanism");
        String keda = switch (mechanism) {
            case "PLAIN" -> "plaintext";
            case "SCRAM-SHA-256" -> "scram_sha256";
            case "SCRAM-SHA-512" -> "scram_sha512";
            default -> fail("no KEDA sasl mode for " + mechanism);
        };
        assertThat(params.get("sasl")).as("KEDA sasl vs sasl.mechanism").isEqualTo(keda);
        boolean tls = props.getOrDefault("security.protocol", "PLAINTEXT").endsWith("SSL");
        assertThat(params.getOrDefault("tls", "disable")).as("KEDA tls vs security.protocol").isEqualTo(tls ? "enable" : "disable");

        String jaas = props.get("sasl.jaas.config");
        assertThat(jaas).as("login module for " + mechanism)
                .startsWith(mechanism.startsWith("SCRAM") ? "org.apache.kafka.common.security.scram.ScramLoginModule"
                        : "org.apache.kafka.common.security.plain.PlainLoginModule");
        assertThat(jaas).as("JAAS user = KEDA user").contains("username=\"" + params.get("username") + "\"");
        assertThat(jaas).as("JAAS password = KEDA password").contains("password=\"" + params.get("password") + "\"");

        for (JsonNode e : workerContainer(deployment()).path("env")) {
            JsonNode ref = e.path("valueFrom").path("secretKeyRef");
            if (!ref.isMissingNode()) secretValue(ref.path("name").asText(), ref.path("key").asText());
        }
    }

    @Test
    void gpuOverlayAsksForOneGpuWithTheGpuImage() throws IOException {
        JsonNode k = single(K8S_GPU.resolve("kustomization.yaml"));
        JsonNode base = deployment();
        String baseImage = workerContainer(base).path("image").asText();
        JsonNode image = k.path("images").get(0);
        assertThat(image.path("name").asText()).as("images: entry matches the base image").isEqualTo(baseImage.split(":")[0]);
        assertThat(image.path("newTag").asText() + image.path("newName").asText()).as("GPU image").contains("gpu");

        JsonNode patch = single(K8S_GPU.resolve(k.path("patches").get(0).path("path").asText()));
        assertThat(patch.path("kind").asText()).isEqualTo("Deployment");
        assertThat(name(patch)).isEqualTo(name(base));
        assertThat(patch.path("metadata").path("namespace").asText()).isEqualTo(base.path("metadata").path("namespace").asText());
        JsonNode c = stream(patch.path("spec").path("template").path("spec").path("containers"))
                .filter(x -> x.path("name").asText().equals(workerContainer(base).path("name").asText())).findFirst()
                .orElseThrow(() -> new AssertionError("the patch names no container of the base Deployment"));
        assertThat(c.path("resources").path("limits").path("nvidia.com/gpu").asInt()).as("GPUs per worker").isEqualTo(1);
        // The overlay's environment, merged by name over the base's, must still load.
        Map<String, String> env = new LinkedHashMap<>(k8sEnv(workerContainer(base)));
        env.putAll(k8sEnv(c));
        assertThat(load(k8sConfigFile(), env, "GPU overlay env")).isNotNull();
    }

    /**
     * {@code kafka.intake=share}: the overlay's workers load a share-intake configuration under a group id of their
     * own, and KEDA scales them on a metric their {@code /metrics} really serves (KEDA's Kafka scaler has no share
     * groups), beyond the partition count.
     */
    @Test
    void shareOverlayRunsShareIntakeAndScalesOnAMetricTheWorkersExport() throws IOException {
        JsonNode k = single(K8S_SHARE.resolve("kustomization.yaml"));
        JsonNode base = deployment();
        String ns = base.path("metadata").path("namespace").asText();
        JsonNode deploymentPatch = null;
        boolean baseScalerDeleted = false;
        for (JsonNode patch : k.path("patches")) {
            JsonNode doc = single(K8S_SHARE.resolve(patch.path("path").asText()));
            assertThat(doc.path("metadata").path("namespace").asText()).isEqualTo(ns);
            if (doc.path("kind").asText().equals("Deployment")) {
                deploymentPatch = doc;
            } else if (doc.path("kind").asText().equals("ScaledObject") && doc.path("$patch").asText().equals("delete")) {
                assertThat(name(doc)).as("the base's ScaledObject is deleted").isEqualTo(name(byKind("ScaledObject").get(0)));
                baseScalerDeleted = true;
            } else {
                fail("unexpected patch of " + doc.path("kind").asText());
            }
        }
        if (deploymentPatch == null) fail("the share overlay patches no Deployment");
        assertThat(name(deploymentPatch)).isEqualTo(name(base));
        assertThat(baseScalerDeleted).as("the consumer-lag ScaledObject removed").isTrue();
        List<JsonNode> scalers = manifests(K8S_SHARE).stream()
                .filter(m -> m.path("kind").asText().equals("ScaledObject") && !m.has("$patch")).toList();
        assertThat(scalers).as("the share overlay's own ScaledObject").hasSize(1);
        JsonNode scaledObject = scalers.get(0);
        assertThat(strings(k.path("resources"))).contains("../base");
        assertThat(scaledObject.path("metadata").path("namespace").asText()).isEqualTo(ns);
        assertThat(scaledObject.path("spec").path("scaleTargetRef").path("name").asText()).isEqualTo(name(base));

        WorkerConfig group = k8sConfig();
        JsonNode c = stream(deploymentPatch.path("spec").path("template").path("spec").path("containers"))
                .filter(x -> x.path("name").asText().equals(workerContainer(base).path("name").asText())).findFirst()
                .orElseThrow(() -> new AssertionError("the patch names no container of the base Deployment"));
        Map<String, String> env = new LinkedHashMap<>(workerImage(WORKER_DOCKERFILE).env());
        env.putAll(k8sEnv(workerContainer(base)));
        env.putAll(k8sEnv(c));
        WorkerConfig share = load(k8sConfigFile(), env, "share overlay env");
        assertThat(share.kafka().shareIntake()).as("kafka.intake").isTrue();
        assertThat(share.kafka().groupId()).as("a group id of its own").isNotEqualTo(group.kafka().groupId());

        JsonNode spec = scaledObject.path("spec");
        assertThat(spec.path("minReplicaCount").asInt(0)).as("minReplicaCount").isEqualTo(1);
        assertThat(spec.path("maxReplicaCount").asInt()).as("not capped at the partition count").isGreaterThan(share.topics().partitions());
        assertThat(spec.path("triggers").size()).as("one trigger").isEqualTo(1);
        JsonNode trigger = spec.path("triggers").get(0);
        assertThat(trigger.path("type").asText()).isEqualTo("prometheus");
        JsonNode meta = trigger.path("metadata");
        for (Iterator<Map.Entry<String, JsonNode>> it = meta.fields(); it.hasNext(); ) {
            assertThat(it.next().getValue().isTextual()).as("KEDA trigger metadata values are strings").isTrue();
        }
        assertThat(meta.path("serverAddress").asText()).startsWith("http");
        double threshold = Double.parseDouble(meta.path("threshold").asText());
        assertThat(threshold).as("threshold: records held per worker, below what one holds at most")
                .isPositive().isLessThanOrEqualTo(share.batching().maxJobsInFlight());

        String query = meta.path("query").asText();
        Matcher m = Pattern.compile("\\bflowline_[a-z_]+").matcher(query);
        assertThat(m.find()).as("the query names a flowline metric: %s", query).isTrue();
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new dev.flowline.telemetry.WorkerMetrics(registry);
        assertThat(registry.scrape()).as("/metrics of a worker").containsPattern("(?m)^" + m.group() + "[ {]");
        Matcher labels = Pattern.compile("(\\w+)=\"([^\"]*)\"").matcher(query);
        while (labels.find()) {
            switch (labels.group(1)) {
                case "namespace" -> assertThat(labels.group(2)).isEqualTo(ns);
                case "service" -> assertThat(labels.group(2)).isEqualTo(name(byKind("Service").get(0)));
                default -> fail("query label " + labels.group(1) + " is not one the ServiceMonitor's targets carry");
            }
        }
    }

    @Test
    void kustomizeRendersBothVariants() throws Exception {
        Optional<List<String>> kustomize = kustomizeCommand();
        assumeTrue(kustomize.isPresent(), "neither kustomize nor kubectl on PATH");
        for (Path dir : List.of(K8S, K8S_GPU, K8S_SHARE)) {
            List<String> cmd = new ArrayList<>(kustomize.get());
            cmd.add(dir.toString());
            Result r = exec(cmd, ROOT);
            assertThat(r.exit()).as("%s:\n%s", String.join(" ", cmd), r.output()).isZero();
            List<JsonNode> docs = new ArrayList<>();
            try (MappingIterator<JsonNode> it = YAML.readerFor(JsonNode.class).readValues(r.stdout())) {
                while (it.hasNextValue()) docs.add(it.nextValue());
            }
            JsonNode d = docs.stream().filter(x -> x.path("kind").asText().equals("Deployment")).findFirst().orElseThrow();
            String cm = volume(d, "config").path("configMap").path("name").asText();
            assertThat(docs).as("%s renders the ConfigMap the Deployment mounts (%s)", rel(dir), cm)
                    .anyMatch(x -> x.path("kind").asText().equals("ConfigMap") && name(x).equals(cm));
            JsonNode limits = workerContainer(d).path("resources").path("limits");
            assertThat(limits.has("nvidia.com/gpu")).as("%s GPU limit", rel(dir)).isEqualTo(dir.equals(K8S_GPU));
        }
    }

    @Test
    void yamllintStrictPassesOnDeploy() throws Exception {
        assumeTrue(onPath("yamllint"), "yamllint not on PATH (CI installs it)");
        List<String> cmd = new ArrayList<>(List.of("yamllint", "-s"));
        if (Files.exists(ROOT.resolve(".yamllint"))) cmd.addAll(List.of("-c", ROOT.resolve(".yamllint").toString()));
        cmd.add("deploy");
        Result r = exec(cmd, ROOT);
        assertThat(r.exit()).as("yamllint -s deploy:\n%s", r.output()).isZero();
    }

    // ---------------------------------------------------------------------------------------------------------
    // Environment names

    /**
     * Why {@code var} names no configuration key, or empty. In free text a MAP key's own name may appear (as in
     * {@code FLOWLINE_KAFKA_PROPERTIES_<KEY>}); as an actual variable it must name an entry.
     */
    static Optional<String> variableProblem(String var, boolean inText) {
        if (NON_CONFIG_VARIABLES.containsKey(var)) return Optional.empty();
        for (ConfigDef.Key k : WorkerConfig.DEF.keys()) {
            if (k.envName().equals(var)) {
                return k.type() == ConfigDef.Type.MAP && !inText
                        ? Optional.of(var + " is the map key " + k.name() + "; set entries with " + var + "_<KEY>")
                        : Optional.empty();
            }
        }
        for (ConfigDef.Key k : WorkerConfig.DEF.keys()) {
            if (k.type() == ConfigDef.Type.MAP && var.startsWith(k.envName() + "_")) {
                String entry = var.substring(k.envName().length() + 1).toLowerCase(Locale.ROOT).replace('_', '.');
                if (k.name().equals("kafka.properties") && !kafkaClientProperties().contains(entry)) {
                    return Optional.of(var + " sets kafka.properties." + entry + ", which is no Kafka client property");
                }
                return Optional.empty();
            }
        }
        return Optional.of(var + " is no key of WorkerConfig.DEF (keys: "
                + WorkerConfig.DEF.keys().stream().map(ConfigDef.Key::envName).toList() + ")");
    }

    private static Set<String> kafkaClientProperties() {
        Set<String> s = new HashSet<>(ConsumerConfig.configNames());
        s.addAll(ProducerConfig.configNames());
        s.addAll(AdminClientConfig.configNames());
        return s;
    }

    // ---------------------------------------------------------------------------------------------------------
    // Effective configurations

    /** The configuration the Kubernetes workers run with: the ConfigMap file, the image's ENV, the container's env. */
    private static WorkerConfig k8sConfig() throws IOException {
        Map<String, String> env = new LinkedHashMap<>(workerImage(WORKER_DOCKERFILE).env());
        env.putAll(k8sEnv(workerContainer(deployment())));
        return load(k8sConfigFile(), env, "Deployment env");
    }

    /** A container's env; valueFrom entries resolved from the example Secret or the downward API. */
    private static Map<String, String> k8sEnv(JsonNode container) throws IOException {
        Map<String, String> env = new LinkedHashMap<>();
        for (JsonNode e : container.path("env")) {
            String n = e.path("name").asText();
            if (e.has("value")) {
                env.put(n, e.path("value").asText());
            } else if (e.path("valueFrom").has("secretKeyRef")) {
                JsonNode ref = e.path("valueFrom").path("secretKeyRef");
                env.put(n, secretValue(ref.path("name").asText(), ref.path("key").asText()));
            } else if (e.path("valueFrom").has("fieldRef")) {
                env.put(n, "pod-" + e.path("valueFrom").path("fieldRef").path("fieldPath").asText().replace('.', '-'));
            } else {
                fail("unsupported env source for " + n + ": " + e);
            }
        }
        return env;
    }

    private static Path k8sConfigFile() throws IOException {
        JsonNode gen = single(K8S_BASE.resolve("kustomization.yaml")).path("configMapGenerator").get(0);
        return K8S_BASE.resolve(fileOf(strings(gen.path("files")).get(0)));
    }

    /** The configuration a compose worker runs with: the image's config file and ENV, then the service's environment. */
    private static WorkerConfig composeWorkerConfig(JsonNode service) throws IOException {
        JsonNode build = service.path("build");
        WorkerImage image = workerImage(DEPLOY.resolve(build.path("context").asText(".")).resolve(build.path("dockerfile").asText()).normalize());
        List<String> cmd = strings(service.path("command"));
        int i = cmd.indexOf("--config");
        Path file = image.configSource();
        if (i >= 0) {
            assertThat(cmd.get(i + 1)).as("compose worker --config: the file the image carries").isEqualTo(image.configPath());
        }
        Map<String, String> env = new LinkedHashMap<>(image.env());
        envOf(service).forEach((k, v) -> {
            if (k.startsWith(ConfigDef.ENV_PREFIX)) assertThat(variableProblem(k, false)).as("compose " + k).isEmpty();
            env.put(k, v);
        });
        return load(file, env, "compose worker environment");
    }

    private static WorkerConfig load(Path file, Map<String, String> env, String what) {
        try {
            return WorkerConfig.load(file, env);
        } catch (ConfigException e) {
            throw new AssertionError(rel(file) + " with " + what + " does not load: " + e.getMessage(), e);
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Dockerfile parsing

    record Instruction(String keyword, String args) {
        boolean is(String k) {
            return keyword.equalsIgnoreCase(k);
        }
    }

    /** Instructions with continuation lines joined and comments dropped. */
    static List<Instruction> dockerfile(Path f) throws IOException {
        List<Instruction> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        for (String line : Files.readAllLines(f)) {
            String t = line.strip();
            if (t.startsWith("#") || (t.isEmpty() && cur.isEmpty())) continue;
            boolean more = t.endsWith("\\");
            cur.append(more ? t.substring(0, t.length() - 1) : t).append(' ');
            if (!more) {
                String s = cur.toString().strip();
                int sp = s.indexOf(' ');
                out.add(new Instruction(sp < 0 ? s : s.substring(0, sp), sp < 0 ? "" : s.substring(sp + 1).strip()));
                cur.setLength(0);
            }
        }
        return out;
    }

    static List<Instruction> finalStage(List<Instruction> all) {
        int from = 0;
        for (int i = 0; i < all.size(); i++) if (all.get(i).is("FROM")) from = i;
        return all.subList(from, all.size());
    }

    record WorkerImage(Path configSource, String configPath, Map<String, String> env) {}

    /** The configuration file a worker image carries (COPY deploy/config/...) and the ENV of its final stage. */
    static WorkerImage workerImage(Path f) throws IOException {
        List<Instruction> stage = finalStage(dockerfile(f));
        Map<String, String> env = new LinkedHashMap<>();
        for (Instruction i : stage) if (i.is("ENV")) env.putAll(envInstruction(i.args()));
        Instruction copy = stage.stream().filter(i -> i.is("COPY") && i.args().startsWith("deploy/config/")).findFirst()
                .orElseThrow(() -> new AssertionError(rel(f) + " copies no deploy/config/ file"));
        String[] parts = copy.args().split("\\s+");
        return new WorkerImage(ROOT.resolve(parts[0]), parts[parts.length - 1], env);
    }

    /** {@code ENV K=V K2="V 2"} (and the legacy {@code ENV K V}) as a map. */
    static Map<String, String> envInstruction(String args) {
        Map<String, String> env = new LinkedHashMap<>();
        Matcher m = Pattern.compile("([A-Za-z_][A-Za-z0-9_]*)=(\"((?:[^\"\\\\]|\\\\.)*)\"|(\\S*))").matcher(args);
        while (m.find()) env.put(m.group(1), m.group(3) != null ? m.group(3) : m.group(4));
        if (env.isEmpty() && args.contains(" ")) env.put(args.substring(0, args.indexOf(' ')), args.substring(args.indexOf(' ') + 1).strip());
        return env;
    }

    private static List<Path> dockerfiles() throws IOException {
        try (Stream<Path> s = Files.list(DEPLOY)) {
            return s.filter(p -> p.getFileName().toString().startsWith("Dockerfile")).sorted().toList();
        }
    }

    private static List<Path> workerDockerfiles() throws IOException {
        return dockerfiles().stream().filter(p -> p.getFileName().toString().startsWith("Dockerfile.worker")).toList();
    }

    private static String finalName(String module) throws IOException {
        Matcher m = Pattern.compile("<finalName>([^<]+)</finalName>").matcher(Files.readString(ROOT.resolve(module).resolve("pom.xml")));
        assertThat(m.find()).as("%s/pom.xml finalName", module).isTrue();
        return m.group(1).strip();
    }

    /** A JSON-array instruction argument (exec form). */
    private static List<String> jsonArray(String args) throws IOException {
        return strings(new ObjectMapper().readTree(args));
    }

    // ---------------------------------------------------------------------------------------------------------
    // Compose and Prometheus

    private static List<JsonNode> workerServices() throws IOException {
        List<JsonNode> out = new ArrayList<>();
        single(COMPOSE).path("services").forEach(s -> {
            if (s.path("build").path("dockerfile").asText().contains("Dockerfile.worker")) out.add(s);
        });
        return out;
    }

    private static JsonNode kafkaService(JsonNode services) {
        for (JsonNode s : services) {
            if (s.path("image").asText().startsWith("apache/kafka") && envOf(s).containsKey("KAFKA_PROCESS_ROLES")) return s;
        }
        throw new AssertionError("no apache/kafka broker service in compose");
    }

    private static String topicsServiceName(JsonNode services) {
        for (Iterator<Map.Entry<String, JsonNode>> it = services.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (String.join("\n", strings(e.getValue().path("command"))).contains("kafka-topics.sh")) return e.getKey();
        }
        throw new AssertionError("no topic-creation service in compose");
    }

    private static String serviceName(JsonNode services, JsonNode service) {
        for (Iterator<Map.Entry<String, JsonNode>> it = services.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getValue().equals(service)) return e.getKey();
        }
        throw new AssertionError("service not found");
    }

    /** Compose {@code environment} as a map (map or {@code KEY=VALUE} list form). */
    private static Map<String, String> envOf(JsonNode service) {
        Map<String, String> env = new LinkedHashMap<>();
        JsonNode e = service.path("environment");
        if (e.isObject()) {
            e.fields().forEachRemaining(f -> env.put(f.getKey(), f.getValue().asText()));
        } else {
            for (String s : strings(e)) env.put(s.substring(0, s.indexOf('=')), s.substring(s.indexOf('=') + 1));
        }
        return env;
    }

    private static String healthcheckCommand(JsonNode service) {
        return String.join(" ", strings(service.path("healthcheck").path("test")));
    }

    private static JsonNode prometheusWorkerJob() throws IOException {
        JsonNode cfg = single(DEPLOY.resolve("prometheus/prometheus.yml"));
        for (JsonNode job : cfg.path("scrape_configs")) {
            if (job.has("dns_sd_configs")) return job;
        }
        throw new AssertionError("prometheus.yml has no dns_sd_configs job for the workers");
    }

    record TopicSpec(int partitions, int replicationFactor, Map<String, String> configs) {
        static TopicSpec parse(String line) {
            Matcher p = Pattern.compile("--partitions\\s+(\\d+)").matcher(line);
            Matcher r = Pattern.compile("--replication-factor\\s+(\\d+)").matcher(line);
            assertThat(p.find() && r.find()).as("partitions and replication factor in: %s", line).isTrue();
            Map<String, String> configs = new TreeMap<>();
            Matcher c = Pattern.compile("--config\\s+([^=\\s]+)=(\\S+)").matcher(line);
            while (c.find()) configs.put(c.group(1), c.group(2));
            return new TopicSpec(Integer.parseInt(p.group(1)), Integer.parseInt(r.group(1)), configs);
        }
    }

    /** Go/compose durations: 45s, 1m30s, 2m, 500ms. */
    static Duration goDuration(String s) {
        Matcher m = Pattern.compile("(\\d+)(ms|h|m|s)").matcher(s);
        Duration d = Duration.ZERO;
        int end = 0;
        while (m.find()) {
            assertThat(m.start()).as("duration %s", s).isEqualTo(end);
            long n = Long.parseLong(m.group(1));
            d = d.plus(switch (m.group(2)) {
                case "h" -> Duration.ofHours(n);
                case "m" -> Duration.ofMinutes(n);
                case "s" -> Duration.ofSeconds(n);
                default -> Duration.ofMillis(n);
            });
            end = m.end();
        }
        assertThat(end).as("duration %s", s).isEqualTo(s.length()).isPositive();
        return d;
    }

    // ---------------------------------------------------------------------------------------------------------
    // Kubernetes helpers

    private static List<JsonNode> manifests(Path dir) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        for (Path f : yamlFiles(dir)) {
            for (JsonNode d : readAll(f)) {
                if (d.has("apiVersion") && d.has("kind") && !d.path("kind").asText().equals("Kustomization")
                        && f.getParent().equals(dir)) out.add(d);
            }
        }
        return out;
    }

    private static List<JsonNode> byKind(String kind) throws IOException {
        List<JsonNode> l = manifests(K8S_BASE).stream().filter(m -> m.path("kind").asText().equals(kind)).toList();
        assertThat(l).as("%s in deploy/k8s/base", kind).isNotEmpty();
        return l;
    }

    private static JsonNode deployment() throws IOException {
        List<JsonNode> l = byKind("Deployment");
        assertThat(l).as("one worker Deployment").hasSize(1);
        return l.get(0);
    }

    private static JsonNode serviceMonitor() throws IOException {
        return byKind("ServiceMonitor").get(0);
    }

    private static JsonNode workerContainer(JsonNode deployment) {
        JsonNode cs = deployment.path("spec").path("template").path("spec").path("containers");
        assertThat(cs.size()).as("containers of %s", name(deployment)).isEqualTo(1);
        return cs.get(0);
    }

    private static List<JsonNode> probes(JsonNode deployment) {
        JsonNode c = workerContainer(deployment);
        return Stream.of("startupProbe", "readinessProbe", "livenessProbe").map(c::path)
                .peek(p -> assertThat(p.path("httpGet").isObject()).as("HTTP probes").isTrue()).toList();
    }

    private static JsonNode volume(JsonNode deployment, String name) {
        return stream(deployment.path("spec").path("template").path("spec").path("volumes"))
                .filter(v -> v.path("name").asText().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no volume " + name));
    }

    private static JsonNode envEntry(JsonNode container, String name) {
        return stream(container.path("env")).filter(e -> e.path("name").asText().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no env " + name));
    }

    /** A probe's or Service's port (number or container port name) as a number. */
    private static int resolveContainerPort(JsonNode container, JsonNode port) {
        if (port.isInt()) return port.asInt();
        if (port.asText().matches("\\d+")) return Integer.parseInt(port.asText());
        return stream(container.path("ports")).filter(p -> p.path("name").asText().equals(port.asText()))
                .map(p -> p.path("containerPort").asInt()).findFirst()
                .orElseThrow(() -> new AssertionError("no container port named " + port.asText()));
    }

    private static String secretValue(String secretName, String key) throws IOException {
        JsonNode secret = byKind("Secret").stream().filter(s -> name(s).equals(secretName)).findFirst()
                .orElseThrow(() -> new AssertionError("no Secret " + secretName));
        JsonNode v = secret.path("stringData").path(key);
        if (v.isMissingNode() && secret.path("data").has(key)) {
            return new String(java.util.Base64.getDecoder().decode(secret.path("data").path(key).asText()), StandardCharsets.UTF_8);
        }
        assertThat(v.isMissingNode()).as("Secret %s has key %s", secretName, key).isFalse();
        return v.asText();
    }

    private static void assertSelects(JsonNode selector, JsonNode labels, String what) {
        assertThat(selector.size()).as(what).isPositive();
        selector.fields().forEachRemaining(e -> assertThat(labels.path(e.getKey()).asText()).as("%s %s", what, e.getKey())
                .isEqualTo(e.getValue().asText()));
    }

    private static String name(JsonNode m) {
        return m.path("metadata").path("name").asText();
    }

    /** configMapGenerator {@code files} entries are {@code path} or {@code key=path}. */
    private static String fileOf(String entry) {
        return entry.contains("=") ? entry.substring(entry.indexOf('=') + 1) : entry;
    }

    private static String keyOf(String entry) {
        return entry.contains("=") ? entry.substring(0, entry.indexOf('=')) : Path.of(entry).getFileName().toString();
    }

    private static Optional<List<String>> kustomizeCommand() {
        if (onPath("kustomize")) return Optional.of(List.of("kustomize", "build"));
        if (onPath("kubectl")) return Optional.of(List.of("kubectl", "kustomize"));
        return Optional.empty();
    }

    // ---------------------------------------------------------------------------------------------------------
    // General helpers

    private static Path findRoot() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !(Files.isDirectory(p.resolve("deploy")) && Files.isRegularFile(p.resolve("mvnw")))) p = p.getParent();
        if (p == null) throw new IllegalStateException("repository root (with deploy/ and mvnw) not found above " + Path.of("").toAbsolutePath());
        return p;
    }

    private static List<Path> yamlFiles(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml")).sorted().toList();
        }
    }

    private static List<JsonNode> readAll(Path f) throws IOException {
        try (MappingIterator<JsonNode> it = YAML.readerFor(JsonNode.class).readValues(f.toFile())) {
            List<JsonNode> docs = new ArrayList<>();
            while (it.hasNextValue()) {
                JsonNode d = it.nextValue();
                if (d != null && !d.isNull() && !d.isMissingNode()) docs.add(d);
            }
            return docs;
        }
    }

    private static JsonNode single(Path f) throws IOException {
        List<JsonNode> docs = readAll(f);
        assertThat(docs).as("documents in %s", rel(f)).hasSize(1);
        return docs.get(0);
    }

    private static JsonNode at(JsonNode n, String... path) {
        JsonNode cur = n;
        for (String p : path) cur = cur.path(p);
        return cur;
    }

    private static void flattenKeys(String prefix, JsonNode n, List<String> out) {
        n.fields().forEachRemaining(e -> {
            String k = prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey();
            if (e.getValue().isObject()) flattenKeys(k, e.getValue(), out);
            else out.add(k);
        });
    }

    private static List<String> strings(JsonNode n) {
        if (n.isMissingNode() || n.isNull()) return List.of();
        if (!n.isArray()) return List.of(n.asText());
        List<String> out = new ArrayList<>();
        n.forEach(x -> out.add(x.asText()));
        return out;
    }

    private static Stream<JsonNode> stream(JsonNode array) {
        List<JsonNode> l = new ArrayList<>();
        array.forEach(l::add);
        return l.stream();
    }

    record Url(int port, String path) {}

    private static Url url(String text, String where) {
        Matcher m = HTTP_URL.matcher(text);
        if (!m.find()) throw new AssertionError(where + ": no http://host:port/path in: " + text);
        return new Url(Integer.parseInt(m.group(1)), m.group(2));
    }

    private static String rel(Path p) {
        return ROOT.relativize(p.toAbsolutePath()).toString();
    }

    private static boolean onPath(String binary) {
        return Stream.of(System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator))
                .anyMatch(dir -> !dir.isEmpty() && Files.isExecutable(Path.of(dir, binary)));
    }

    record Result(int exit, String stdout, String output) {}

    private static Result exec(List<String> cmd, Path dir) throws IOException, InterruptedException {
        Path err = Files.createTempFile("deploy-test", ".err");
        try {
            Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectError(err.toFile()).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                fail(String.join(" ", cmd) + " did not finish in 120 s");
            }
            return new Result(p.exitValue(), out, out + Files.readString(err));
        } finally {
            Files.deleteIfExists(err);
        }
    }
}
