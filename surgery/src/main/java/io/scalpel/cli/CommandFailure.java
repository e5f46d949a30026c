package io.scalpel.cli;

import io.scalpel.io.CheckpointException;
import io.scalpel.surgery.hub.HubException;
import io.scalpel.surgery.patch.PatchMismatchException;
import io.scalpel.tokenizer.MissingBosException;
import io.scalpel.tokenizer.TokenizerException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

/**
 * How a failed command ends: exit code 2 and one line for a problem with the user's input (files,
 * options, a file changed under us), 1 and the exception's class for a fault of ours. Every throwable
 * reaching the command line's boundary comes through here, {@link Error}s included, so the user never
 * sees a stack trace without {@code --verbose}.
 *
 * @param exitCode 2 for bad input, 1 otherwise
 * @param line     what follows {@code "scalpel: "} on stderr
 */
record CommandFailure(int exitCode, String line) {

    /**
     * @param inputs the paths the command was given, to name in the one case where the failing read
     *               cannot say which file it was (a mapping that shrank under us)
     */
    static CommandFailure of(Throwable t, List<Path> inputs) {
        return switch (t) {
            case InternalError e when isMappedFileFault(e) -> new CommandFailure(2, "an input file was changed or truncated while it was being read"
                    + (inputs.isEmpty() ? "" : " (" + inputs.stream().map(Path::toString).collect(Collectors.joining(", ")) + ")")
                    + "; nothing was written. Do not modify a model while Scalpel uses it.");
            case OutOfMemoryError e -> new CommandFailure(1, "out of memory (" + e.getMessage()
                    + "); give the JVM more heap, e.g. SCALPEL_JAVA_OPTS=-Xmx8g");
            case StackOverflowError e -> new CommandFailure(1, "StackOverflowError (--verbose shows the stack trace)");
            case FileSystemException e -> new CommandFailure(2, fileProblem(e));
            case IOException e -> new CommandFailure(2, "I/O error: " + oneLine(e.getMessage()));
            case Throwable e when isBadInput(e) -> new CommandFailure(2, oneLine(e.getMessage()));
            default -> new CommandFailure(1, t.getClass().getSimpleName() + ": " + oneLine(t.getMessage()) + " (--verbose shows the stack trace)");
        };
    }

    /** Errors that describe the user's input (files, options), not a fault of ours. */
    static boolean isBadInput(Throwable ex) {
        return ex instanceof CheckpointException || ex instanceof UserInputException || ex instanceof IllegalArgumentException
                || ex instanceof TokenizerException || ex instanceof PatchMismatchException || ex instanceof HubException
                || ex instanceof UncheckedIOException || ex instanceof MissingBosException;
    }

    /**
     * The JVM reports a read from a mapped file that was truncated after mapping (SIGBUS) as an
     * {@link InternalError} "a fault occurred in an unsafe memory access operation".
     */
    private static boolean isMappedFileFault(InternalError e) {
        return e.getMessage() != null && e.getMessage().contains("unsafe memory access");
    }

    /** "path: permission denied" — FileSystemException's own message is often the bare path. */
    private static String fileProblem(FileSystemException e) {
        String what = switch (e) {
            case AccessDeniedException a -> "permission denied (read-only or not yours?)";
            case NoSuchFileException n -> "no such file or directory";
            case FileAlreadyExistsException f -> "exists; choose a new path (nothing was written)";
            default -> e.getReason() != null ? e.getReason() : "cannot access";
        };
        return (e.getFile() != null ? e.getFile() : "?") + (e.getOtherFile() != null ? " -> " + e.getOtherFile() : "") + ": " + what;
    }

    static String oneLine(String s) {
        if (s == null) return "";
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
