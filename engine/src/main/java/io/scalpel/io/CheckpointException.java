package io.scalpel.io;

import java.nio.file.Path;

/**
 * A checkpoint, tokenizer or data file that cannot be used. The message is one line naming the file
 * (and tensor, where there is one) and what is wrong, fit to print as-is to a user.
 */
public class CheckpointException extends RuntimeException {
    public CheckpointException(Path file, String problem) {
        super(file + ": " + problem);
    }

    public CheckpointException(Path file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
    }
}
