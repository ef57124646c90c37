package dev.flowline.cli;

import dev.flowline.config.ModelOptions;
import dev.flowline.config.WorkerConfig;
import dev.flowline.app.FlowlineWorker;
import dev.flowline.kafka.WorkerTopics;
import dev.flowline.kafka.broker.EmbeddedKafkaBroker;
import dev.flowline.model.AnalyticGaussianModel;
import dev.flowline.model.ModelRegistry;
import dev.flowline.model.ModelRegistryOptions;
import dev.flowline.schema.MessageCodec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/** Entry point of flowline-worker.jar: {@code run} serves jobs, {@code config} documents every configuration key. */
@Command(name = "flowline-worker", mixinStandardHelpOptions = true, version = "flowline-worker 0.1.0",
        description = "Serves flow-matching models behind Kafka: reads jobs, batches model calls, publishes results.",
        subcommands = {WorkerMain.Run.class, WorkerMain.ConfigCommand.class, ModelsCommand.class, BenchCommand.class, BrokerCommand.class})
public final class WorkerMain implements Callable<Integer> {
    private static final Logger log = LoggerFactory.getLogger(WorkerMain.class);

    public static void main(String[] args) {
        MessageCodec.standard(); // trusts the generated Avro classes before any is built
        System.exit(commandLine().execute(args));
    }

    @CommandLine.Mixin
    CliErrors.VerboseOption verbose = new CliErrors.VerboseOption();

    static CommandLine commandLine() {
        return CliErrors.install(new CommandLine(new WorkerMain()), e -> false);
    }

    @Override
    public Integer call() {
        new CommandLine(this).usage(System.out);
        return 0;
    }

    @Command(name = "run", mixinStandardHelpOptions = true,
            description = "Runs a worker until SIGTERM, then drains (finishes in-flight jobs, commits) and exits 0.")
    static final class Run implements Callable<Integer> {
        @Option(names = "--config", paramLabel = "FILE", description = "YAML or JSON configuration file (see `config`); FLOWLINE_* environment variables override it.")
        Path config;

        @Option(names = "--embedded", description = "Start an embedded single-node Kafka broker on 127.0.0.1 and use it (implies --create-topics).")
        boolean embedded;

        @Option(names = "--create-topics", description = "Create the worker's topics if missing (development and demos; production topics are the operator's).")
        boolean createTopics;

        @Override
        public Integer call() throws Exception {
            WorkerConfig cfg = WorkerConfig.load(config, System.getenv());
            EmbeddedKafkaBroker broker = null;
            if (embedded) {
                broker = EmbeddedKafkaBroker.start();
                cfg = cfg.withKafka(cfg.kafka().withBootstrapServers(broker.bootstrapServers()));
                System.out.println("embedded Kafka broker on " + broker.bootstrapServers());
            }
            if (embedded || createTopics) WorkerTopics.create(cfg);
            // The hook is in place before anything starts: a SIGTERM during start (models loading, joining the group)
            // still exits 0 after stopping what was started, instead of the JVM's 143.
            ModelRegistry registry = new ModelRegistry(new ModelRegistryOptions(cfg.models().dirs(), cfg.models().builtin(), null, null, null));
            if (cfg.models().analytic()) registry.register(analyticModel(cfg.models()));
            String crashModel = System.getProperty(CRASH_MODEL_PROPERTY);
            if (crashModel != null && !crashModel.isBlank()) registry.register(new CrashingModel(crashModel));
            AtomicReference<FlowlineWorker> started = new AtomicReference<>();
            AtomicBoolean stopRequested = new AtomicBoolean();
            AtomicBoolean startFailed = new AtomicBoolean();
            CountDownLatch startFinished = new CountDownLatch(1);
            EmbeddedKafkaBroker ownedBroker = broker;
            long drainMillis = cfg.worker().drainTimeout().toMillis();
            Thread starter = Thread.currentThread();
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                stopRequested.set(true);
                if (startFailed.get()) return; // the failed start's own exit code stands
                // still starting (e.g. waiting for the broker): interrupt the wait instead of sitting it out
                if (startFinished.getCount() > 0) starter.interrupt();
                int code = 0;
                try {
                    if (!startFinished.await(90, TimeUnit.SECONDS)) log.warn("stopping before the worker finished starting");
                    FlowlineWorker w = started.get();
                    if (w != null) {
                        w.drain().get(drainMillis + 30_000, TimeUnit.MILLISECONDS);
                        log.info("worker drained, exiting");
                    }
                } catch (Exception e) {
                    log.error("drain failed", e);
                    code = 1;
                }
                registry.close();
                if (ownedBroker != null) ownedBroker.close();
                // A JVM stopped by SIGTERM exits 143 once its hooks finish; halting here makes a clean drain exit 0.
                Runtime.getRuntime().halt(code);
            }, "flowline-drain"));
            try {
                started.set(FlowlineWorker.start(cfg, registry));
            } catch (RuntimeException e) {
                if (!stopRequested.get()) {
                    startFailed.set(true);
                    registry.close();
                    if (broker != null) broker.close();
                    throw e;
                }
                log.info("stopped before the worker finished starting");
                Thread.interrupted(); // the stop hook's interrupt has done its job
            } finally {
                startFinished.countDown();
            }
            // The shutdown hook ends the process (drain, then halt); this thread only waits for it.
            while (true) {
                try {
                    new CountDownLatch(1).await();
                } catch (InterruptedException e) {
                    // a late interrupt from the stop hook: keep waiting for it to halt the JVM
                }
            }
        }
    }

    /**
     * Test-only fault, deliberately not a configuration key: {@code -Dflowline.test.crashModel=NAME} serves a model
     * NAME whose first evaluation halts the JVM with {@link #CRASH_EXIT_CODE}, so a chaos run can send a job that kills
     * every worker that runs it (a crash loop) across processes, as {@code CrashRecoveryTest}'s model does in one JVM.
     */
    public static final String CRASH_MODEL_PROPERTY = "flowline.test.crashModel";
    public static final int CRASH_EXIT_CODE = 86;

    static final class CrashingModel implements dev.flowline.model.VelocityModel {
        private final AnalyticGaussianModel inner;

        CrashingModel(String name) {
            inner = AnalyticGaussianModel.builder().optName(name).optSampleShape(1, 8, 8).optNumClasses(10).build();
        }

        @Override
        public dev.flowline.model.ModelInfo info() {
            return inner.info();
        }

        @Override
        public void velocity(int rows, float[] x, float[] t, int[] labels, float[] out) {
            System.err.println("test fault: model " + inner.info().name() + " evaluated, halting the worker");
            // halt, not exit: no shutdown hook, no drain, nothing settled, as with a native crash or the OOM killer
            Runtime.getRuntime().halt(CRASH_EXIT_CODE);
        }

        @Override
        public void close() {
            inner.close();
        }
    }

    /** The closed-form model served when {@code models.analytic} is true. */
    static AnalyticGaussianModel analyticModel(ModelOptions m) {
        return AnalyticGaussianModel.builder().optName(ModelOptions.ANALYTIC_NAME).optSampleShape(1, 8, 8).optNumClasses(10)
                .optCostPerCallMicros(m.analyticCostPerCallMicros()).build();
    }

    @Command(name = "config", mixinStandardHelpOptions = true,
            description = "Prints every configuration key with its type, default, valid values, environment variable and doc; with --check FILE, validates a file and prints the effective configuration (secrets hidden).")
    static final class ConfigCommand implements Callable<Integer> {
        @Option(names = "--check", paramLabel = "FILE", description = "Validate this file (with the environment) instead.")
        Path check;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            var out = spec.commandLine().getOut();
            if (check != null) {
                WorkerConfig cfg = WorkerConfig.load(check, System.getenv());
                out.println(check + ": OK");
                out.println(cfg);
            } else {
                out.print(WorkerConfig.DEF.toReference());
            }
            out.flush();
            return 0;
        }
    }
}
