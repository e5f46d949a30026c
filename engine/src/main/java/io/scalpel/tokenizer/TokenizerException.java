package io.scalpel.tokenizer;

import java.nio.file.Path;

/** A tokenizer file that cannot be used. The message is one line naming the file and what is wrong. */
public class TokenizerException extends RuntimeException {

    public TokenizerException(Path file, String problem) {
        super(file + ": " + problem.replace('\n', ' ').replace('\r', ' '));
    }

    public TokenizerException(Path file, String problem, Throwable cause) {
        super(file + ": " + problem.replace('\n', ' ').replace('\r', ' '), cause);
    }
}
