package io.scalpel.tokenizer;

/**
 * Text to token ids and back. Implementations are immutable and safe to share between threads.
 *
 * <p>Special tokens written in the text (such as {@code <s>} or {@code <|begin_of_text|>}) are encoded as
 * the single token they name, as Hugging Face and llama.cpp do by default.
 */
public interface Tokenizer {

    /** The ids of {@code text}, with the BOS id first when {@code addBos}. */
    int[] encode(String text, boolean addBos);

    /**
     * The text of a whole sequence. Control tokens (BOS, EOS, ...) produce no text; byte tokens produce
     * their byte; bytes that are not valid UTF-8 become U+FFFD. SentencePiece vocabularies drop the one
     * space their encoder prepended, so {@code decode(encode(s, b)) == s} for ordinary text.
     */
    default String decode(int[] ids) {
        Decoder decoder = newDecoder();
        StringBuilder text = new StringBuilder();
        for (int id : ids) text.append(decoder.push(id));
        return text.append(decoder.finish()).toString();
    }

    /**
     * A decoder for one sequence, from its start (push the prompt first to continue after it): the
     * concatenation of what it returns equals {@link #decode} of the same ids.
     */
    Decoder newDecoder();

    /** Id of the beginning-of-sequence token, or -1 when the vocabulary has none. */
    int bosId();

    /** Id of the end-of-sequence token, or -1 when the vocabulary has none. */
    int eosId();

    /** Number of ids, including special and added tokens. */
    int vocabSize();

    /** The vocabulary's own spelling of a token (e.g. {@code ▁Hello}, {@code Ġworld}, {@code <0x0A>}). */
    String tokenText(int id);

    /** Streams the text of generated tokens. Not thread-safe: one per sequence. */
    interface Decoder {
        /** The text that {@code id} completes: bytes of a UTF-8 character split across tokens are held back until it is whole. */
        String push(int id);

        /** Whatever is still held back (an unfinished UTF-8 character, as U+FFFD); the decoder is then empty. */
        String finish();
    }
}
