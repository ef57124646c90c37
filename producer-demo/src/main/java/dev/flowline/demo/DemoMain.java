package dev.flowline.demo;

import dev.flowline.schema.MessageCodec;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.util.concurrent.Callable;

/** Entry point of flowline-demo.jar. */
@Command(name = "flowline-demo", mixinStandardHelpOptions = true, version = "flowline-demo 0.1.0",
        description = "Submits generation jobs to Flowline workers, follows results, generates load.",
        subcommands = {EmbeddedCommand.class, SubmitCommand.class, WatchCommand.class, LoadCommand.class, ChaosCommand.class})
public final class DemoMain implements Callable<Integer> {

    public static void main(String[] args) {
        MessageCodec.standard(); // trusts the generated Avro classes before any is built
        System.exit(new CommandLine(new DemoMain()).execute(args));
    }

    @Override
    public Integer call() {
        new CommandLine(this).usage(System.out);
        return 0;
    }
}
