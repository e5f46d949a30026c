package io.scalpel.tokenizer;

/**
 * BOS was asked for but the vocabulary has none (GPT-2 style). A state of the tokenizer the caller
 * chose, so callers that can go on without BOS check {@link Tokenizer#bosId()} first.
 */
public final class MissingBosException extends IllegalStateException {
    public MissingBosException() {
        super("this vocabulary has no BOS token; encode without one (tokenize --no-bos)");
    }
}
