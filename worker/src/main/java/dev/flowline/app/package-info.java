/**
 * The composition root: {@link dev.flowline.app.FlowlineWorker} builds one worker process (Vert.x, the scheduler, the
 * Kafka verticles, telemetry, the HTTP endpoint) and wires the packages together. It is the only package that depends
 * on all of them; the others reach each other through interfaces they own ({@code kafka}'s
 * {@link dev.flowline.kafka.EdgeMetrics}, {@code batching}'s {@link dev.flowline.batching.SchedulerListener} and
 * {@link dev.flowline.batching.ModelProvider}, {@code telemetry}'s {@code TelemetryVerticle.Sender}).
 */
package dev.flowline.app;
