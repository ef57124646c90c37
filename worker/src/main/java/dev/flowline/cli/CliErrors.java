package dev.flowline.cli;

import dev.flowline.config.ConfigException;
import dev.flowline.model.ModelException;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.util.function.Predicate;

/**
 * How Flowline's command lines end on an exception: a user error (a bad option value, an unknown model, a bad
 * configuration or input file, an unreachable broker) prints one line and exits with picocli's usage code 2; anything
 * else prints its message and exits 1. Stack traces only with {@code --verbose}, an option of every command.
 */
public final class CliErrors {
    /** Exit code of a user error (picocli's usage error code). */
    public static final int USAGE = CommandLine.ExitCode.USAGE;
    public static final String VERBOSE = "--verbose";

    private CliErrors() {}

    /** An error the user fixes by changing the command, its input or the environment; its message says how. */
    public static class UserError extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public UserError(String message) {
            super(message);
        }

        public UserError(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** The {@code --verbose} option, inherited by every subcommand. */
    public static final class VerboseOption {
        @CommandLine.Option(names = VERBOSE, scope = CommandLine.ScopeType.INHERIT,
                description = "Print stack traces of errors (user errors print one line without it).")
        boolean verbose;
    }

    /** Errors of Flowline's own commands that are the user's to fix. */
    public static boolean isUserError(Throwable e) {
        return e instanceof UserError || e instanceof ConfigException || e instanceof ModelException
                || e instanceof IllegalArgumentException;
    }

    /** Installs the handler on {@code cl}; {@code alsoUserError} adds a command line's own user-error types. */
    public static CommandLine install(CommandLine cl, Predicate<Throwable> alsoUserError) {
        cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
            PrintWriter err = cmd.getErr();
            boolean verbose = verbose(parsed);
            boolean user = isUserError(e) || alsoUserError.test(e);
            String message = e instanceof ConfigException ? "configuration error: " + e.getMessage()
                    : user ? "error: " + e.getMessage() : "error: " + e;
            err.println(message);
            if (verbose) {
                e.printStackTrace(err);
            } else if (!user) {
                err.println("(run again with " + VERBOSE + " for the stack trace)");
            }
            err.flush();
            return user ? USAGE : CommandLine.ExitCode.SOFTWARE;
        });
        return cl;
    }

    private static boolean verbose(CommandLine.ParseResult parsed) {
        for (CommandLine.ParseResult p = parsed; p != null; p = p.subcommand()) {
            if (p.hasMatchedOption(VERBOSE)) return true;
        }
        return false;
    }
}
