package io.scalpel.io;

import java.nio.file.Path;

/**
 * A checkpoint file that cannot be read: missing, truncated, malformed, or holding something Scalpel does
 * not support. The message is one line that names the file (and the tensor, where one is involved) so a
 * user can act on it without a stack trace.
 */
public class CheckpointException extends RuntimeException {

    public CheckpointException(Path file, String problem) {
        super(file + ": " + oneLine(problem));
    }

    public CheckpointException(Path file, String problem, Throwable cause) {
        super(file + ": " + oneLine(problem), cause);
    }

    /** Tensor names and metadata come from the file itself, so they may hold line breaks. */
    private static String oneLine(String s) {
        return s.replace('\n', ' ').replace('\r', ' ');
    }
}
