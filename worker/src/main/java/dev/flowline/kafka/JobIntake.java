package dev.flowline.kafka;

import io.vertx.core.Deployable;
import io.vertx.core.Future;

/**
 * What the worker needs from the verticle that reads the jobs topic, whichever way it reads it: a consumer group
 * ({@link IntakeVerticle}, {@code kafka.intake=group}) or a share group ({@link ShareIntakeVerticle}, {@code share}).
 */
public interface JobIntake extends Deployable {

    /** A record is done: its result (or dead letter) was acked. Callable from any thread. */
    void markDone(RecordRef ref);

    /** Called by the scheduler (any thread) when it has room again. */
    void capacityAvailable();

    /** Whether the intake takes part in its group (readiness). Any thread. */
    boolean hasAssignment();

    /** Graceful stop, step 1: admit nothing more (the member stays in its group while in-flight jobs finish). */
    Future<Void> stopAdmitting();

    /** Graceful stop, step 2: settle what is done, give back the rest, leave the group. */
    Future<Void> commitAndClose();

    /** Abrupt stop: leave the group without settling anything more (a crash, as far as Kafka can tell). */
    Future<Void> kill();
}
