package dev.flowline.cli;

import dev.flowline.config.WorkerConfig;

import java.util.Map;

/** Test access to {@link WorkerMain}'s package-private topic settings, for tests outside this package. */
public final class WorkerMainAccess {
    private WorkerMainAccess() {}

    /** The topic-level configs {@code run --create-topics} gives {@code topic}. */
    public static Map<String, String> topicConfigs(String topic, WorkerConfig cfg) {
        return WorkerMain.topicConfigs(topic, cfg);
    }
}
