package dev.flowline.demo;

import dev.flowline.schema.MessageCodec;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.util.concurrent.Callable;

/** Entry point of flowline-demo.jar. */
@Command(name = "flowline-demo", mixinStandardHelpOptions = true, version = "flowline-demo 0.1.0",
        description = "Submits generation jobs to Flowline workers, follows results, generates load.",
        subcommands = {EmbeddedCommand.class, SubmitCommand.class, WatchCommand.class, LagCommand.class, DeadLettersCommand.class, LoadCommand.class, ChaosCommand.class})
public final class DemoMain implements Callable<Integer> {

    public static void main(String[] args) {
        MessageCodec.standard(); // trusts the generated Avro classes before any is built
        System.exit(commandLine().execute(args));
    }

    @CommandLine.Mixin
    dev.flowline.cli.CliErrors.VerboseOption verbose = new dev.flowline.cli.CliErrors.VerboseOption();

    /** The command line, with one-line user errors (a bad JSONL line, an unreachable broker) and --verbose for traces. */
    static CommandLine commandLine() {
        return dev.flowline.cli.CliErrors.install(new CommandLine(new DemoMain()), e -> e instanceof JsonlJobs.JsonlException);
    }

    @Override
    public Integer call() {
        new CommandLine(this).usage(System.out);
        return 0;
    }
}
