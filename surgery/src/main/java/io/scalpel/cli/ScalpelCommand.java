package io.scalpel.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;

/** The {@code scalpel} command line: the engine's commands and the surgery's. */
@Command(name = "scalpel", mixinStandardHelpOptions = true, version = "scalpel 0.1.0",
        description = "Run Llama-family models on the JVM (CPU or CUDA) and edit their behaviour by Model Surgery.",
        footer = {"", "Example:", "  scalpel demo --model ../shared/models/stories260K/stories260K.gguf",
                "Run 'scalpel COMMAND --help' for a command's options."},
        subcommands = {DemoCommand.class, SurgeryCommand.class, ProbeCommand.class, SelectCommand.class, ExportCommand.class,
                RevertCommand.class, EvalCommand.class, SearchCommand.class, GenerateCommand.class, LogitsCommand.class, HiddenCommand.class,
                TokenizeCommand.class, InfoCommand.class, BenchCommand.class, SynthCommand.class,
                CommandLine.HelpCommand.class})
public final class ScalpelCommand implements Callable<Integer> {

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    /** No command given: the usage, and exit code 2 (nothing was done). */
    @Override public Integer call() {
        spec.commandLine().usage(System.err);
        return 2;
    }

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /**
     * Runs a command line and returns its exit code: 0 ok, 2 for bad input (one line on stderr), 1
     * otherwise. Every throwable ends here as one line, {@link Error}s included.
     */
    public static int execute(String... args) {
        boolean verbose = Arrays.asList(args).contains("--verbose");
        CommandLine cli = new CommandLine(new ScalpelCommand());
        List<Path> inputs = new ArrayList<>();
        cli.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            collectPaths(parseResult, inputs);
            return report(ex, inputs, verbose, commandLine.getErr());
        });
        cli.setParameterExceptionHandler((ex, ignored) -> {
            ex.getCommandLine().getErr().println(OptionErrors.describe(ex, args));
            return 2;
        });
        cli.setExitCodeExceptionMapper(ex -> 2);
        try {
            return cli.execute(args);
        } catch (Error e) {
            // picocli hands only Exceptions to the handler; an Error (a truncated mapping, OOM) arrives here.
            if (cli.getParseResult() != null) collectPaths(cli.getParseResult(), inputs);
            return report(e, inputs, verbose, cli.getErr());
        }
    }

    private static int report(Throwable t, List<Path> inputs, boolean verbose, PrintWriter err) {
        if (verbose) t.printStackTrace(err);
        CommandFailure f = CommandFailure.of(t, inputs);
        err.println("scalpel: " + f.line());
        err.flush();
        return f.exitCode();
    }

    /** Every path-valued option the command was given, innermost command last. */
    private static void collectPaths(CommandLine.ParseResult result, List<Path> out) {
        for (CommandLine.ParseResult r = result; r != null; r = r.subcommand()) {
            for (CommandLine.Model.OptionSpec o : r.matchedOptions()) {
                Object v = o.getValue();
                if (v instanceof Path p && !out.contains(p)) out.add(p);
            }
        }
    }

    /** Errors that describe the user's input (files, options), not a fault of ours: exit code 2, no class name. */
    static boolean isBadInput(Exception ex) {
        return CommandFailure.isBadInput(ex);
    }

    static String oneLine(String s) {
        return CommandFailure.oneLine(s);
    }
}
