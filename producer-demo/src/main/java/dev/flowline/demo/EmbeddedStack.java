package dev.flowline.demo;

import dev.flowline.config.WorkerConfig;
import dev.flowline.kafka.FlowlineWorker;
import dev.flowline.kafka.WorkerTopics;
import dev.flowline.kafka.broker.EmbeddedKafkaBroker;
import dev.flowline.model.ModelRegistry;
import dev.flowline.model.ModelRegistryOptions;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A self-contained Flowline in one JVM: the embedded Kafka broker on 127.0.0.1, the worker's topics, and one worker
 * serving the built-in models. What {@code flowline-demo embedded} and {@code load} without --bootstrap run.
 */
final class EmbeddedStack implements AutoCloseable {
    final EmbeddedKafkaBroker broker;
    final WorkerConfig config;
    final ModelRegistry registry;
    final FlowlineWorker worker;

    private EmbeddedStack(EmbeddedKafkaBroker broker, WorkerConfig config, ModelRegistry registry, FlowlineWorker worker) {
        this.broker = broker;
        this.config = config;
        this.registry = registry;
        this.worker = worker;
    }

    /**
     * @param overrides worker configuration keys (e.g. batching.mode) on top of the defaults
     */
    static EmbeddedStack start(Map<String, Object> overrides) throws Exception {
        EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start();
        ModelRegistry registry = null;
        try {
            Map<String, Object> keys = new HashMap<>();
            keys.put("kafka.bootstrapServers", broker.bootstrapServers());
            keys.put("http.port", 0); // a free port: the demo may run beside a real worker
            keys.put("worker.id", "embedded-worker");
            keys.putAll(overrides);
            WorkerConfig config = WorkerConfig.from(WorkerConfig.DEF.parse(keys));
            WorkerTopics.create(config);
            registry = new ModelRegistry(ModelRegistryOptions.builtInOnly());
            FlowlineWorker worker = FlowlineWorker.start(config, registry);
            return new EmbeddedStack(broker, config, registry, worker);
        } catch (Exception | Error e) {
            if (registry != null) registry.close();
            broker.close();
            throw e;
        }
    }

    String bootstrapServers() {
        return broker.bootstrapServers();
    }

    @Override
    public void close() {
        try {
            worker.drain().get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            worker.kill();
        } finally {
            registry.close();
            broker.close();
        }
    }
}
