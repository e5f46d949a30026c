package io.scalpel.surgery.evaluate;

import java.util.List;

/**
 * One condition's continuations of the evaluation prompts, index-aligned.
 *
 * @param prompts the prompts as the user wrote them (before any chat template)
 * @param tokens  generated token ids, prompt excluded
 * @param texts   the generated tokens decoded
 * @param bosId   the tokenizer's BOS id, for scorers that re-read a continuation on its own
 */
public record Continuations(List<String> prompts, List<int[]> tokens, List<String> texts, int bosId) {
    public Continuations {
        prompts = List.copyOf(prompts);
        tokens = List.copyOf(tokens);
        texts = List.copyOf(texts);
        if (prompts.size() != tokens.size() || tokens.size() != texts.size()) {
            throw new IllegalArgumentException("prompts, tokens and texts differ in length");
        }
    }

    /** Each continuation on its own, BOS first: what a probe reads. */
    public List<int[]> withBos() {
        return tokens.stream().map(t -> {
            int[] out = new int[t.length + 1];
            out[0] = bosId;
            System.arraycopy(t, 0, out, 1, t.length);
            return out;
        }).toList();
    }
}
