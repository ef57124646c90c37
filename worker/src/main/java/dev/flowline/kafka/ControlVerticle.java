package dev.flowline.kafka;

import dev.flowline.avro.ControlAction;
import dev.flowline.avro.ControlCommand;
import dev.flowline.batching.Scheduler;
import dev.flowline.schema.MessageCodec;
import dev.flowline.schema.MessageDecodeException;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.kafka.client.common.PartitionInfo;
import io.vertx.kafka.client.common.TopicPartition;
import io.vertx.kafka.client.consumer.KafkaConsumer;
import io.vertx.kafka.client.consumer.KafkaConsumerRecord;
import org.apache.kafka.clients.consumer.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * Reads every partition of the control topic (not in the jobs group: each worker must see every command), from the
 * end: commands given before the worker started are not replayed. A CANCEL cancels the job if this worker runs it,
 * and is remembered in the {@link CancelRegistry} in case the job's record arrives later.
 */
public final class ControlVerticle extends VerticleBase {
    private static final Logger log = LoggerFactory.getLogger(ControlVerticle.class);

    private final String topic;
    private final Map<String, Object> consumerProps;
    /** Makes the Kafka client; the real one from {@link #consumerProps} unless a test gives Kafka's MockConsumer. */
    private final Supplier<Consumer<String, byte[]>> clientFactory;
    private final MessageCodec codec;
    private final Scheduler scheduler;
    private final CancelRegistry cancels;
    private KafkaConsumer<String, byte[]> consumer;
    private boolean closed;

    public ControlVerticle(String topic, Map<String, Object> consumerProps, MessageCodec codec, Scheduler scheduler, CancelRegistry cancels) {
        this(topic, consumerProps, null, codec, scheduler, cancels);
    }

    /** With {@code clientFactory} making the Kafka client (component tests pass Kafka's {@code MockConsumer}). */
    ControlVerticle(String topic, Map<String, Object> consumerProps, Supplier<Consumer<String, byte[]>> clientFactory,
                    MessageCodec codec, Scheduler scheduler, CancelRegistry cancels) {
        this.topic = topic;
        this.consumerProps = consumerProps;
        this.clientFactory = clientFactory;
        this.codec = codec;
        this.scheduler = scheduler;
        this.cancels = cancels;
    }

    /** Completes once every partition is assigned and positioned at its end. */
    @Override
    public Future<?> start() {
        consumer = clientFactory != null ? KafkaConsumer.create(vertx, clientFactory.get())
                : KafkaConsumer.create(vertx, KafkaClients.asStrings(consumerProps));
        consumer.exceptionHandler(e -> log.warn("control consumer: {}", e.toString()));
        consumer.handler(this::onRecord);
        return consumer.partitionsFor(topic).compose(infos -> {
            if (infos.isEmpty()) return Future.failedFuture(new IllegalStateException("control topic " + topic + " does not exist"));
            Set<TopicPartition> all = infos.stream().map(PartitionInfo::getPartition)
                    .map(p -> new TopicPartition(topic, p)).collect(Collectors.toSet());
            return consumer.assign(all)
                    .compose(v -> consumer.seekToEnd(all))
                    // position() resolves the lazy seek now, so that a command sent after start() is never missed
                    .compose(v -> Future.all(all.stream().map(consumer::position).toList()))
                    .map(v -> {
                        log.info("reading control topic {} ({} partitions) from the end", topic, all.size());
                        return null;
                    });
        });
    }

    private void onRecord(KafkaConsumerRecord<String, byte[]> rec) {
        byte[] value = rec.value();
        vertx.executeBlocking(() -> decode(value), true).onSuccess(cmd -> {
            if (cmd == null) return;
            if (cmd.getAction() == ControlAction.CANCEL) {
                cancels.cancel(cmd.getJobId());
                boolean running = scheduler.cancel(cmd.getJobId());
                log.info("cancel {} ({}){}", cmd.getJobId(), cmd.getReason() == null ? "no reason" : cmd.getReason(),
                        running ? ": cancelled here" : ": not running here, remembered");
            }
        });
    }

    private ControlCommand decode(byte[] value) {
        try {
            return codec.decode(value, ControlCommand.class);
        } catch (MessageDecodeException e) {
            log.warn("ignoring an unreadable control record: {}", e.getMessage());
            return null;
        }
    }

    @Override
    public Future<?> stop() {
        if (closed) return Future.succeededFuture();
        closed = true;
        return consumer.close();
    }
}
