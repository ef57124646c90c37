package dev.flowline.config;

/**
 * Topic names: each is {@code prefix + name}. {@code partitions} and {@code replicationFactor} are used only when
 * the worker creates the topics ({@code --create-topics}, development and demos).
 */
public record TopicOptions(String prefix, String jobs, String results, String progress, String telemetry,
                           String deadLetter, String control, int partitions, short replicationFactor) {

    public static final String DEFAULT_PREFIX = "flowline.";
    public static final int DEFAULT_PARTITIONS = 4;
    public static final short DEFAULT_REPLICATION_FACTOR = 1;

    public TopicOptions {
        prefix = prefix == null ? "" : prefix;
        if (partitions < 1) throw new ConfigException("topics.partitions", partitions, "must be >= 1");
        if (replicationFactor < 1) throw new ConfigException("topics.replicationFactor", replicationFactor, "must be >= 1");
    }

    public static TopicOptions defaults() {
        return withPrefix(DEFAULT_PREFIX);
    }

    /** Default names under a prefix, e.g. a unique prefix per test. */
    public static TopicOptions withPrefix(String prefix) {
        return new TopicOptions(prefix, "jobs", "results", "progress", "telemetry", "dead-letter", "control",
                DEFAULT_PARTITIONS, DEFAULT_REPLICATION_FACTOR);
    }

    public String jobsTopic() { return prefix + jobs; }
    public String resultsTopic() { return prefix + results; }
    public String progressTopic() { return prefix + progress; }
    public String telemetryTopic() { return prefix + telemetry; }
    public String deadLetterTopic() { return prefix + deadLetter; }
    public String controlTopic() { return prefix + control; }

    public java.util.List<String> allTopics() {
        return java.util.List.of(jobsTopic(), resultsTopic(), progressTopic(), telemetryTopic(), deadLetterTopic(), controlTopic());
    }
}
