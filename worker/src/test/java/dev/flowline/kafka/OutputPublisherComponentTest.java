package dev.flowline.kafka;

import io.vertx.core.Vertx;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.errors.NetworkException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static dev.flowline.kafka.WorkerTestKit.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The output publisher over Kafka's {@link MockProducer}: retries, refusals, and a killed worker. */
class OutputPublisherComponentTest {
    private final Vertx vertx = Vertx.vertx();
    private final MockProducer<String, byte[]> producer = new MockProducer<>(false, null, new StringSerializer(), new ByteArraySerializer());
    private final OutputPublisher publisher = new OutputPublisher(vertx, producer);

    @AfterEach
    void close() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @Test
    void aRetriableFailureIsSentAgainUntilTheBrokerAcks() throws Exception {
        CompletableFuture<?> sent = publisher.sendReliably("results", "k", new byte[]{1}, () -> true).toCompletionStage().toCompletableFuture();
        await(Duration.ofSeconds(10), "first attempt", () -> producer.history().size() == 1);
        producer.errorNext(new NetworkException("broker gone"));
        await(Duration.ofSeconds(10), "second attempt after the back-off", () -> producer.history().size() == 2);
        assertThat(sent).isNotDone();
        producer.completeNext();
        sent.get(10, TimeUnit.SECONDS);
        assertThat(producer.history()).allSatisfy(r -> assertThat(r.key()).isEqualTo("k"));
    }

    @Test
    void aRecordTheBrokerRefusesFailsAtOnceAndARecordNoLongerWantedIsNotRetried() throws Exception {
        CompletableFuture<?> tooLarge = publisher.sendReliably("results", "k", new byte[]{1}, () -> true).toCompletionStage().toCompletableFuture();
        await(Duration.ofSeconds(10), "first attempt", () -> producer.history().size() == 1);
        producer.errorNext(new RecordTooLargeException("too large"));
        assertThatThrownBy(() -> tooLarge.get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(RecordTooLargeException.class);

        CompletableFuture<?> unwanted = publisher.sendReliably("dead-letter", "k", new byte[]{1}, () -> false).toCompletionStage().toCompletableFuture();
        await(Duration.ofSeconds(10), "second record", () -> producer.history().size() == 2);
        producer.errorNext(new NetworkException("broker gone"));
        assertThatThrownBy(() -> unwanted.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(NetworkException.class);
        assertThat(producer.history()).hasSize(2);
    }

    @Test
    void aKilledWorkerSendsNothingMore() {
        publisher.kill();
        assertThatThrownBy(() -> publisher.send("results", "k", new byte[]{1}).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS))
                .hasMessageContaining("killed");
        assertThat(producer.history()).isEmpty();
    }
}
