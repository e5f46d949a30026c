package io.scalpel.surgery.chat;

import io.scalpel.tokenizer.Tokenizer;

/**
 * How a text becomes the token ids the model reads: as it is, after BOS; or wrapped as the user turn of
 * the model's chat template (with an optional system turn), ending with the generation prompt. A chat
 * prompt is tokenized without adding BOS, as {@code apply_chat_template} does: the template writes
 * {@code bos_token} itself where the model expects one.
 */
public sealed interface PromptEncoder {
    int[] encode(String text);

    /** The text the model reads, before tokenization. */
    String format(String text);

    record Plain(Tokenizer tokenizer) implements PromptEncoder {
        @Override public int[] encode(String text) { return tokenizer.encode(text, true); }
        @Override public String format(String text) { return text; }
    }

    /** @param system the system turn's text, or null for none */
    record Chat(Tokenizer tokenizer, ChatTemplate template, String system) implements PromptEncoder {
        @Override public int[] encode(String text) { return tokenizer.encode(format(text), false); }
        @Override public String format(String text) { return template.userTurn(text, system); }
    }
}
