package dev.flowline.kafka;

import dev.flowline.config.WorkerConfig;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/** Creates the worker's topics for development and demos (production topics are the operator's; see worker/TOPICS.md). */
public final class WorkerTopics {
    private static final Logger log = LoggerFactory.getLogger(WorkerTopics.class);

    private WorkerTopics() {}

    /**
     * Creates the configured topics (partitions and replication from {@code topics.*}) and waits for their leaders; with
     * {@code kafka.intake=share}, also configures the share group ({@link TopicSetup#configureShareGroup}).
     */
    public static void create(WorkerConfig cfg) throws Exception {
        var t = cfg.topics();
        List<NewTopic> topics = t.allTopics().stream()
                .map(name -> new NewTopic(name, name.equals(t.controlTopic()) ? 1 : t.partitions(), t.replicationFactor())
                        .configs(topicConfigs(name, cfg)))
                .toList();
        try (Admin admin = Admin.create(KafkaClients.admin(cfg.kafka(), cfg.worker().id() + "-admin"))) {
            TopicSetup.ensureTopics(admin, topics, Duration.ofSeconds(60));
            if (cfg.kafka().shareIntake()) {
                TopicSetup.configureShareGroup(admin, cfg.kafka().groupId(), cfg.kafka().maxDeliveries(), Duration.ofSeconds(60));
                log.info("share group {}: share.auto.offset.reset=earliest", cfg.kafka().groupId());
            }
        }
        log.info("topics ready: {}", t.allTopics());
    }

    /** Retention per topic kind (see worker/TOPICS.md). */
    public static Map<String, String> topicConfigs(String name, WorkerConfig cfg) {
        var t = cfg.topics();
        if (name.equals(t.progressTopic()) || name.equals(t.controlTopic())) return Map.of("retention.ms", String.valueOf(Duration.ofHours(1).toMillis()));
        if (name.equals(t.telemetryTopic())) return Map.of("retention.ms", String.valueOf(Duration.ofDays(3).toMillis()));
        if (name.equals(t.deadLetterTopic())) return Map.of("retention.ms", String.valueOf(Duration.ofDays(14).toMillis()));
        if (name.equals(t.resultsTopic())) return Map.of("retention.ms", String.valueOf(Duration.ofDays(1).toMillis()),
                "max.message.bytes", String.valueOf(Math.max(1_048_588, cfg.limits().maxResultBytes() + 4096)));
        return Map.of("retention.ms", String.valueOf(Duration.ofDays(1).toMillis()));
    }
}
