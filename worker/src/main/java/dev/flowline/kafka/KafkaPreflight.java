package dev.flowline.kafka;

import dev.flowline.config.KafkaOptions;
import dev.flowline.config.TopicOptions;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeTopicsOptions;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Checks at start that the worker can authenticate and see its topics, so that wrong credentials or missing ACLs fail
 * the start with a clear message instead of a consumer that retries (and logs) forever. Uses only DESCRIBE on the
 * worker's own topics, which the READ and WRITE ACLs it needs anyway imply, and asks the broker for the operations the
 * principal may perform on them (READ on jobs and control, WRITE on the others).
 */
public final class KafkaPreflight {
    private static final Logger log = LoggerFactory.getLogger(KafkaPreflight.class);

    private KafkaPreflight() {}

    /** Thrown when the worker cannot use Kafka as configured; the message says what to fix and never holds a secret. */
    static final class KafkaAccessException extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        KafkaAccessException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** How often a worker waiting for its broker says so (the first time at once). */
    static final Duration WAITING_NOTICE_INTERVAL = Duration.ofSeconds(30);

    public static void check(KafkaOptions kafka, TopicOptions topics, String clientId, Duration timeout) {
        List<String> names = topics.allTopics();
        try (Admin admin = Admin.create(KafkaClients.admin(kafka, clientId))) {
            awaitBroker(admin, kafka, timeout);
            var described = admin.describeTopics(names, new DescribeTopicsOptions().timeoutMs((int) timeout.toMillis())
                    .includeAuthorizedOperations(true));
            List<String> missing = new ArrayList<>();
            for (String name : names) {
                try {
                    TopicDescription d = described.topicNameValues().get(name).get(timeout.toMillis() + 2_000, TimeUnit.MILLISECONDS);
                    AclOperation needed = readTopics(topics).contains(name) ? AclOperation.READ : AclOperation.WRITE;
                    Set<AclOperation> ops = d.authorizedOperations();
                    // null: the broker did not say (older broker); ALL covers every operation
                    if (ops != null && !ops.contains(needed) && !ops.contains(AclOperation.ALL)) missing.add(needed + " on topic " + name);
                } catch (ExecutionException e) {
                    Throwable c = e.getCause();
                    if (c instanceof org.apache.kafka.common.errors.TimeoutException) {
                        // an unreachable broker is not a configuration error: it may be restarting; the clients retry
                        log.warn("no Kafka broker answered at {} yet ({}); starting anyway", kafka.bootstrapServers(), c.getMessage());
                        return;
                    }
                    if (c instanceof UnknownTopicOrPartitionException) {
                        log.warn("topic {} does not exist (yet); the worker waits for it", name);
                        continue;
                    }
                    throw failure(kafka, name, readTopics(topics).contains(name) ? AclOperation.READ : AclOperation.WRITE, c);
                }
            }
            if (!missing.isEmpty()) {
                throw new KafkaAccessException("Kafka principal of this worker lacks " + String.join(", ", missing)
                        + "; the worker's principal needs the ACLs listed in worker/TOPICS.md (ACLs)", null);
            }
        } catch (TimeoutException e) {
            log.warn("no Kafka broker answered at {} within {} ms; starting anyway", kafka.bootstrapServers(), timeout.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KafkaAccessException("interrupted while checking Kafka access", e);
        }
    }

    /**
     * Waits until a broker answers, saying so once at once and then every {@link #WAITING_NOTICE_INTERVAL}: a worker
     * started before its broker (or during an outage) waits instead of failing. Interrupting the thread (the stop hook
     * of {@code flowline-worker run} does on SIGTERM) ends the wait with a {@link KafkaAccessException}. Answers other
     * than "no broker" (authentication, authorization) are left to the topic checks, which name them.
     */
    private static void awaitBroker(Admin admin, KafkaOptions kafka, Duration attempt) throws InterruptedException {
        long start = System.nanoTime();
        long lastNotice = Long.MIN_VALUE;
        int attemptMs = (int) Math.max(1000, Math.min(attempt.toMillis(), 5000));
        while (true) {
            try {
                admin.describeCluster(new org.apache.kafka.clients.admin.DescribeClusterOptions().timeoutMs(attemptMs))
                        .clusterId().get(attemptMs + 2_000L, TimeUnit.MILLISECONDS);
                if (lastNotice != Long.MIN_VALUE) {
                    log.info("Kafka broker at {} answered after {} s", kafka.bootstrapServers(), (System.nanoTime() - start) / 1_000_000_000L);
                }
                return;
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof org.apache.kafka.common.errors.TimeoutException)) return;
            } catch (TimeoutException e) {
                // no answer within the attempt: keep waiting
            }
            long now = System.nanoTime();
            if (lastNotice == Long.MIN_VALUE) {
                log.info("waiting for the Kafka broker at {} (no answer yet; SIGTERM or Ctrl-C stops the worker)", kafka.bootstrapServers());
                lastNotice = now;
            } else if (now - lastNotice >= WAITING_NOTICE_INTERVAL.toNanos()) {
                log.info("still waiting for the Kafka broker at {} ({} s)", kafka.bootstrapServers(), (now - start) / 1_000_000_000L);
                lastNotice = now;
            }
            if (Thread.interrupted()) throw new InterruptedException();
        }
    }

    /** Topics the worker consumes (READ); it writes the others (WRITE). */
    private static Set<String> readTopics(TopicOptions topics) {
        return Set.of(topics.jobsTopic(), topics.controlTopic());
    }

    private static KafkaAccessException failure(KafkaOptions kafka, String topic, AclOperation needed, Throwable c) {
        if (c instanceof AuthenticationException) {
            return new KafkaAccessException("Kafka authentication failed at " + kafka.bootstrapServers() + " (" + c.getClass().getSimpleName()
                    + ": " + c.getMessage() + "); check kafka.properties.sasl.* / ssl.* and the principal's credentials", c);
        }
        if (c instanceof AuthorizationException) {
            return new KafkaAccessException("Kafka denied access to topic " + topic + " (" + c.getClass().getSimpleName()
                    + "): the worker's principal lacks " + needed + " on topic " + topic + "; it needs the ACLs listed in worker/TOPICS.md (ACLs)", c);
        }
        if (c instanceof org.apache.kafka.common.errors.TimeoutException) {
            return new KafkaAccessException("no Kafka broker answered at " + kafka.bootstrapServers() + " (" + c.getMessage() + ")", c);
        }
        return new KafkaAccessException("cannot describe topic " + topic + " at " + kafka.bootstrapServers() + ": " + c, c);
    }
}
