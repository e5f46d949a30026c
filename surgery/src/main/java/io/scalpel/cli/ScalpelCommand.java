package io.scalpel.cli;

import io.scalpel.io.CheckpointException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code scalpel} command line: the engine's commands and the surgery's. */
@Command(name = "scalpel", mixinStandardHelpOptions = true, version = "scalpel 0.1.0",
        description = "Run Llama-family models on the JVM (CPU or CUDA) and edit their behaviour by Model Surgery.",
        subcommands = {DemoCommand.class, SurgeryCommand.class, ProbeCommand.class, SelectCommand.class, ExportCommand.class,
                RevertCommand.class, EvalCommand.class, SearchCommand.class, GenerateCommand.class, LogitsCommand.class, HiddenCommand.class,
                TokenizeCommand.class, InfoCommand.class, BenchCommand.class, SynthCommand.class,
                CommandLine.HelpCommand.class})
public final class ScalpelCommand implements Runnable {

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override public void run() {
        spec.commandLine().usage(System.err);
    }

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs a command line and returns its exit code: 0 ok, 2 for bad input (one line on stderr), 1 otherwise. */
    public static int execute(String... args) {
        CommandLine cli = new CommandLine(new ScalpelCommand());
        cli.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            boolean verbose = java.util.Arrays.asList(args).contains("--verbose");
            if (verbose) ex.printStackTrace();
            if (isBadInput(ex)) {
                commandLine.getErr().println("scalpel: " + oneLine(ex.getMessage()));
                return 2;
            }
            commandLine.getErr().println("scalpel: " + ex.getClass().getSimpleName() + ": " + oneLine(ex.getMessage())
                    + (verbose ? "" : " (--verbose shows the stack trace)"));
            return 1;
        });
        cli.setExitCodeExceptionMapper(ex -> 2);
        return cli.execute(args);
    }

    /** Errors that describe the user's input (files, options), not a fault of ours: exit code 2, no class name. */
    static boolean isBadInput(Exception ex) {
        return ex instanceof CheckpointException || ex instanceof UserInputException || ex instanceof IllegalArgumentException
                || ex instanceof io.scalpel.tokenizer.TokenizerException || ex instanceof io.scalpel.surgery.patch.PatchMismatchException
                || ex instanceof io.scalpel.surgery.hub.HubException || ex instanceof java.io.UncheckedIOException;
    }

    static String oneLine(String s) {
        if (s == null) return "";
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
