package dev.flowline.app;

import dev.flowline.batching.BatchRecord;
import dev.flowline.batching.Job;
import dev.flowline.batching.JobOutcome;
import dev.flowline.batching.Scheduler;
import dev.flowline.batching.SchedulerListener;
import dev.flowline.config.WorkerConfig;
import dev.flowline.kafka.CancelRegistry;
import dev.flowline.kafka.ControlVerticle;
import dev.flowline.kafka.IntakeVerticle;
import dev.flowline.kafka.JobFactory;
import dev.flowline.kafka.JobIntake;
import dev.flowline.kafka.KafkaClients;
import dev.flowline.kafka.KafkaPreflight;
import dev.flowline.kafka.OutputPublisher;
import dev.flowline.kafka.RegistryCatalog;
import dev.flowline.kafka.RequestDecoder;
import dev.flowline.kafka.ResultBuilder;
import dev.flowline.kafka.ResultPublisher;
import dev.flowline.kafka.ShareIntakeVerticle;
import dev.flowline.model.ModelRegistry;
import dev.flowline.output.OutputMetrics;
import dev.flowline.output.OutputOffloader;
import dev.flowline.output.OutputStore;
import dev.flowline.output.OutputStores;
import dev.flowline.schema.MessageCodec;
import dev.flowline.telemetry.HttpEndpoint;
import dev.flowline.telemetry.TelemetryVerticle;
import dev.flowline.telemetry.WorkerMetrics;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MetricsDomain;
import io.vertx.micrometer.MicrometerMetricsOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The composition root: one worker process, Vert.x with Micrometer metrics, the scheduler, and the verticles around it
 * ({@link IntakeVerticle}, {@link ResultPublisher}, {@link ControlVerticle}, {@link TelemetryVerticle},
 * {@link HttpEndpoint}). {@link #start} blocks until the worker consumes; {@link #drain} is the graceful stop
 * (SIGTERM), {@link #kill} the abrupt one (a crash, as far as Kafka can tell).
 *
 * <p>Only this package sees every other one: the Kafka edge ({@code kafka}) reports to {@link WorkerMetrics} through
 * its own {@link dev.flowline.kafka.EdgeMetrics} and to {@link TelemetryVerticle} through
 * {@link ResultPublisher.ResultListener}, so that {@code kafka} never imports {@code telemetry}.
 */
public final class FlowlineWorker {
    private static final Logger log = LoggerFactory.getLogger(FlowlineWorker.class);
    private static final Duration PREFLIGHT_TIMEOUT = Duration.ofSeconds(30);

    private final WorkerConfig config;
    private final Vertx vertx;
    private final PrometheusMeterRegistry prometheus;
    private final WorkerMetrics metrics;
    private final Scheduler scheduler;
    private final OutputPublisher publisher;
    private final JobIntake intake;
    /** The group intake, when {@code kafka.intake=group} (its consumer's metrics are bound); null with share. */
    private final IntakeVerticle groupIntake;
    private final ResultPublisher results;
    private final ControlVerticle control;
    private final TelemetryVerticle telemetry;
    private final HttpEndpoint http;
    private final OutputOffloader outputs;
    private volatile boolean modelsLoaded;
    private volatile int modelCount;
    private volatile boolean stopped;
    /** Whether the intake verticle runs (a start that failed before it has nothing to kill there). */
    private volatile boolean intakeDeployed;
    /** The first drain or kill; later calls return it. */
    private CompletableFuture<Void> stopping;
    private String telemetryDeployment;
    private KafkaClientMetrics consumerMetrics;

    private FlowlineWorker(WorkerConfig config, ModelRegistry registry, OutputStore store) {
        this.config = config;
        String workerId = config.worker().id();
        this.prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        this.vertx = Vertx.builder()
                .with(new VertxOptions().setMetricsOptions(new MicrometerMetricsOptions().setEnabled(true).setJvmMetricsEnabled(true)
                        .setRegistryName("flowline-" + workerId + "-" + System.identityHashCode(this))
                        // the only HTTP traffic is scrapes and probes; Vert.x's per-request gauges add nothing but warnings
                        .addDisabledMetricsCategory(MetricsDomain.HTTP_SERVER)))
                .withMetrics(new MicrometerMetricsFactory(prometheus))
                .build();
        this.metrics = new WorkerMetrics(prometheus);
        MessageCodec codec = MessageCodec.standard();
        var topics = config.topics();
        this.outputs = new OutputOffloader(store, config.outputs(), new OutputMetrics(prometheus), workerId, System::currentTimeMillis);
        this.publisher = new OutputPublisher(vertx, KafkaClients.producer(config.kafka(), workerId + "-out"));
        this.telemetry = new TelemetryVerticle(config.telemetry(), topics.telemetryTopic(), workerId, codec, publisher::send);
        CancelRegistry cancels = CancelRegistry.defaults();

        // The scheduler calls back on its device thread; each target hops to its own context.
        JobIntake[] intakeRef = new JobIntake[1];
        ResultPublisher[] resultsRef = new ResultPublisher[1];
        SchedulerListener listener = new SchedulerListener() {
            @Override
            public void onCompleted(JobOutcome outcome) {
                resultsRef[0].completed(outcome);
            }

            @Override
            public void onProgress(Job job, int stepsDone, int totalSteps, int samplesDone, int decodeCalls) {
                resultsRef[0].progress(job, stepsDone, totalSteps, samplesDone, decodeCalls);
            }

            @Override
            public void onPreview(dev.flowline.batching.SamplePreview preview) {
                resultsRef[0].preview(preview);
            }

            @Override
            public void onCapacityAvailable() {
                intakeRef[0].capacityAvailable();
            }

            @Override
            public void onBatch(BatchRecord batch) {
                metrics.batch(batch);
                telemetry.batch(batch);
            }
        };
        // One view of the registry for intake and scheduler: a job that passed intake is never unknown at admission.
        RegistryCatalog models = new RegistryCatalog(registry);
        this.scheduler = Scheduler.start(config.batching(), models.provider(), listener);
        metrics.bindJobsInFlight(scheduler::jobsInFlight);
        metrics.bindLearnedCosts(scheduler::learnedCosts);
        telemetry.withLearnedCosts(scheduler::learnedCosts);

        JobFactory jobs = new JobFactory(models, config.limits());
        RequestDecoder decoder = new RequestDecoder(codec, jobs, workerId, config.limits().maxResultBytes());
        this.results = new ResultPublisher(topics.resultsTopic(), topics.progressTopic(), workerId,
                new ResultBuilder(codec, workerId, config.limits().maxResultBytes()), codec, publisher, metrics,
                config.telemetry().progressInterval().toMillis(), ref -> intakeRef[0].markDone(ref), telemetry::jobCompleted, outputs);
        if (config.kafka().shareIntake()) {
            // One poll's worth of records is held at a time (explicit acknowledgement): as many as the scheduler admits.
            var shareProps = KafkaClients.shareConsumer(config.kafka(), workerId + "-jobs", Math.min(config.batching().maxJobsInFlight(), 500));
            this.groupIntake = null;
            ShareIntakeVerticle share = new ShareIntakeVerticle(config.kafka(), topics.jobsTopic(), topics.deadLetterTopic(),
                    () -> new org.apache.kafka.clients.consumer.KafkaShareConsumer<>(shareProps), scheduler, decoder, publisher,
                    cancels, results, metrics);
            results.onNotPublished(share::notDone);
            this.intake = share;
        } else {
            this.groupIntake = new IntakeVerticle(config.kafka(), topics.jobsTopic(), topics.deadLetterTopic(),
                    KafkaClients.jobsConsumer(config.kafka(), workerId + "-jobs"), scheduler, decoder, publisher, cancels,
                    results, metrics);
            this.intake = groupIntake;
        }
        intakeRef[0] = intake;
        resultsRef[0] = results;
        this.control = new ControlVerticle(topics.controlTopic(), KafkaClients.controlConsumer(config.kafka(), workerId + "-control"),
                codec, scheduler, cancels);
        this.http = new HttpEndpoint(config.http(), prometheus, this::notReadyReason);
    }

    /**
     * Starts a worker and returns once it is consuming (blocking; never call it on a Vert.x thread). The models are
     * loaded first ({@code registry.get} of each), so that readiness means jobs run without a cold start.
     *
     * @param registry the models to serve; the caller keeps ownership and closes it after the worker stopped
     */
    public static FlowlineWorker start(WorkerConfig config, ModelRegistry registry) {
        return start(config, registry, OutputStores.create(config.outputs()));
    }

    /**
     * As {@link #start(WorkerConfig, ModelRegistry)}, with the output store given (tests and the embedded demo, whose
     * in-process S3 server has its own credentials). The worker owns the store and closes it when it stops.
     */
    public static FlowlineWorker start(WorkerConfig config, ModelRegistry registry, OutputStore store) {
        MessageCodec.standard(); // trusts the generated Avro classes before anything builds one
        log.info("starting worker {} with {}", config.worker().id(), config);
        FlowlineWorker w;
        try {
            // Wrong credentials or missing ACLs fail here, with a message, instead of in a consumer that retries forever.
            KafkaPreflight.check(config.kafka(), config.topics(), config.worker().id() + "-preflight", PREFLIGHT_TIMEOUT);
            w = new FlowlineWorker(config, registry, store);
        } catch (RuntimeException e) {
            store.close();
            throw e;
        }
        try {
            // Wrong S3 credentials or a missing bucket fail here too, naming the settings; an unreachable store only warns.
            try {
                w.outputs.checkAtStart().join();
            } catch (java.util.concurrent.CompletionException e) {
                throw e.getCause() instanceof RuntimeException re ? re : e;
            }
            if (w.outputs.store().storesObjects()) {
                w.vertx.setPeriodic(config.outputs().healthInterval().toMillis(), id -> w.outputs.probeIfIdle());
            }
            if (config.http().enabled()) await(w.vertx.deployVerticle(w.http));
            await(w.vertx.executeBlocking(() -> {
                for (String name : registry.names()) {
                    registry.get(name);
                    registry.decoder(name); // a latent model's decoder too: a broken one fails the start, not a job
                    registry.encoder(name); // and its encoder (image-to-image jobs), likewise
                }
                return null;
            }));
            w.modelCount = registry.names().size();
            if (w.modelCount == 0) log.warn("no models to serve: every job will be dead-lettered UNKNOWN_MODEL (see models.dirs, models.builtin)");
            w.modelsLoaded = true;
            w.telemetryDeployment = await(w.vertx.deployVerticle(w.telemetry));
            await(w.vertx.deployVerticle(w.results));
            await(w.vertx.deployVerticle(w.control));
            await(w.vertx.deployVerticle(w.intake));
            w.intakeDeployed = true;
            if (w.groupIntake != null) {
                // Micrometer 1.15 has no binder for share consumers; the share intake counts its acknowledgements itself.
                w.consumerMetrics = new KafkaClientMetrics(w.groupIntake.kafkaConsumer()); // consumer lag and fetch metrics
                w.consumerMetrics.bindTo(w.prometheus);
            }
            log.info("worker {} consuming {}{}", config.worker().id(), config.topics().jobsTopic(),
                    config.http().enabled() ? ", http on " + config.http().host() + ":" + w.http.port() : "");
            return w;
        } catch (RuntimeException e) {
            w.kill();
            throw e;
        }
    }

    /** Null when ready (the consumer has partitions and the models are loaded), else why not. */
    public String notReadyReason() {
        if (stopped) return "stopping";
        if (!modelsLoaded) return "loading models";
        if (modelCount == 0) return "no models to serve";
        if (!intake.hasAssignment()) {
            return config.kafka().shareIntake() ? "not yet polling share group " + config.kafka().groupId()
                    : "no partition of " + config.topics().jobsTopic() + " assigned";
        }
        return outputs.notHealthyReason();
    }

    public boolean ready() {
        return notReadyReason() == null;
    }

    /**
     * Graceful stop: stop admitting (partitions paused, the consumer still polling), let in-flight jobs finish up to
     * {@code worker.drainTimeoutMs} (the rest is abandoned and redelivered), wait until their results are acked,
     * commit, leave the group, close everything.
     */
    public synchronized CompletableFuture<Void> drain() {
        if (stopping != null) return stopping;
        stopped = true;
        Duration timeout = config.worker().drainTimeout();
        log.info("draining worker {} (up to {} ms)", config.worker().id(), timeout.toMillis());
        Future<Void> f = intake.stopAdmitting()
                .compose(v -> Future.fromCompletionStage(scheduler.drain(timeout)))
                .compose(abandoned -> {
                    if (!abandoned.isEmpty()) log.warn("drain timeout: {} jobs abandoned (their records are redelivered)", abandoned.size());
                    return results.idle();
                })
                .compose(v -> intake.commitAndClose());
        stopping = thenCloseRest(f);
        return stopping;
    }

    /** Abrupt stop: leaves the group without committing or finishing anything (jobs in flight are redelivered). */
    public synchronized CompletableFuture<Void> kill() {
        if (stopping != null) return stopping;
        stopped = true;
        log.info("killing worker {}", config.worker().id());
        // As a crash: nothing more is published or committed from here on, whatever is still running.
        publisher.kill();
        // A start that failed before the intake was deployed has no intake to kill.
        Future<Void> intakeKilled = intakeDeployed ? intake.kill() : Future.succeededFuture();
        scheduler.close();
        stopping = thenCloseRest(intakeKilled);
        return stopping;
    }

    /** Whether {@link #kill} began: from then on the worker publishes and commits nothing. Any thread. */
    public boolean killed() {
        return publisher.killed();
    }

    /**
     * After {@code first}: stop telemetry, flush and close the producer, the scheduler and Vert.x. The returned future
     * is completed by Vert.x's close callback (which has no context), never by a callback on a context that
     * {@code vertx.close()} shuts down, so it always completes; it fails if {@code first} failed.
     */
    private CompletableFuture<Void> thenCloseRest(Future<Void> first) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        first.onComplete(firstResult -> {
            Future<Void> telemetryStopped = telemetryDeployment == null ? Future.succeededFuture() : vertx.undeploy(telemetryDeployment);
            telemetryStopped
                    .eventually(publisher::flush)
                    .eventually(() -> publisher.close(Duration.ofSeconds(5)))
                    .onComplete(ignored -> {
                        scheduler.close();
                        outputs.close();
                        if (consumerMetrics != null) consumerMetrics.close();
                        vertx.close().onComplete(closed -> {
                            if (firstResult.failed()) done.completeExceptionally(firstResult.cause());
                            else if (closed.failed()) done.completeExceptionally(closed.cause());
                            else done.complete(null);
                        });
                    });
        });
        return done;
    }

    public WorkerMetrics metrics() {
        return metrics;
    }

    public PrometheusMeterRegistry prometheus() {
        return prometheus;
    }

    public String workerId() {
        return config.worker().id();
    }

    /** The bound HTTP port (when {@code http.port} is 0). */
    public int httpPort() {
        return http.port();
    }

    /** The output store's health, metrics and writes. */
    public OutputOffloader outputs() {
        return outputs;
    }

    public int jobsInFlight() {
        return scheduler.jobsInFlight();
    }

    static <T> T await(Future<T> f) {
        try {
            return f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            throw e.getCause() instanceof RuntimeException re ? re : new IllegalStateException(e.getCause());
        } catch (Exception e) {
            throw new IllegalStateException("worker start timed out or was interrupted", e);
        }
    }
}
