package dev.flowline.demo;

import dev.flowline.config.WorkerConfig;
import dev.flowline.app.FlowlineWorker;
import dev.flowline.kafka.WorkerTopics;
import dev.flowline.kafka.broker.EmbeddedKafkaBroker;
import dev.flowline.model.ModelRegistry;
import dev.flowline.model.ModelRegistryOptions;
import dev.flowline.output.S3OutputStore;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A self-contained Flowline in one JVM: the embedded Kafka broker on 127.0.0.1, the worker's topics, and one worker
 * serving the built-in models (optionally writing its outputs to an in-process S3 server). What {@code flowline-demo
 * embedded} and {@code load} without --bootstrap run.
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
        return start(overrides, null);
    }

    /**
     * @param overrides worker configuration keys on top of the defaults
     * @param s3        when not null, the worker writes outputs to this in-process S3 server (outputs.* set to it)
     */
    static EmbeddedStack start(Map<String, Object> overrides, EmbeddedS3 s3) throws Exception {
        EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start();
        ModelRegistry registry = null;
        try {
            Map<String, Object> keys = new HashMap<>();
            keys.put("kafka.bootstrapServers", broker.bootstrapServers());
            keys.put("http.port", 0); // a free port: the demo may run beside a real worker
            keys.put("worker.id", "embedded-worker");
            if (s3 != null) {
                keys.put("outputs.store", "s3");
                keys.put("outputs.s3Bucket", EmbeddedS3.BUCKET);
                keys.put("outputs.s3Endpoint", s3.endpoint().toString());
                keys.put("outputs.s3PathStyle", true);
            }
            keys.putAll(overrides);
            WorkerConfig config = WorkerConfig.from(WorkerConfig.DEF.parse(keys));
            WorkerTopics.create(config);
            registry = new ModelRegistry(ModelRegistryOptions.builtInOnly());
            FlowlineWorker worker = s3 == null ? FlowlineWorker.start(config, registry)
                    : FlowlineWorker.start(config, registry, S3OutputStore.create(config.outputs(), s3.credentials()));
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
