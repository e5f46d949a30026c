package io.scalpel.tokenizer;

import io.scalpel.io.GgufWriter;

import java.util.ArrayList;
import java.util.List;

/**
 * Writes a tokenizer as llama.cpp stores it in GGUF ({@code tokenizer.ggml.*}): {@code model} "llama"
 * (SentencePiece, merged by {@code scores}) or "gpt2" (byte-level, {@code merges} with the named
 * {@code pre}-tokenizer), {@code tokens}, {@code token_type} (llama.cpp's 1..6), the special ids.
 * The inverse of {@link GgufTokenizerReader}.
 */
public final class GgufTokenizerMetadata {
    private GgufTokenizerMetadata() {}

    /** @throws IllegalArgumentException when the tokenizer uses what GGUF cannot name (an unknown pre-tokenizer, a normaliser) */
    public static void put(GgufWriter w, TokenizerDescription d) {
        int[] types = new int[d.tokens().size()];
        TokenType[] t = d.types();
        for (int i = 0; i < types.length; i++) types[i] = t[i].ordinal() + 1; // NORMAL = 1 ... BYTE = 6
        switch (d.family()) {
            case SENTENCEPIECE -> {
                w.putString("tokenizer.ggml.model", "llama");
                w.putStrings("tokenizer.ggml.tokens", d.tokens());
                w.putFloats("tokenizer.ggml.scores", d.scores());
                w.putInts("tokenizer.ggml.token_type", types);
                w.putBool("tokenizer.ggml.add_space_prefix", d.addSpacePrefix());
            }
            case BYTE_LEVEL -> {
                String pre = d.ggufPreTokenizerName();
                if (pre == null) throw new IllegalArgumentException("the tokenizer's pre-tokenizer " + d.preTokenizer().regexes() + " has no llama.cpp name");
                if (d.normalForm() != null) throw new IllegalArgumentException("the tokenizer's " + d.normalForm() + " normaliser cannot be stored in GGUF");
                if (d.addSpacePrefix()) throw new IllegalArgumentException("the tokenizer's add_prefix_space cannot be stored in GGUF");
                w.putString("tokenizer.ggml.model", "gpt2");
                w.putString("tokenizer.ggml.pre", pre);
                w.putStrings("tokenizer.ggml.tokens", d.tokens());
                w.putInts("tokenizer.ggml.token_type", types);
                List<String> merges = new ArrayList<>(d.merges().size());
                for (String[] m : d.merges()) merges.add(m[0] + " " + m[1]);
                w.putStrings("tokenizer.ggml.merges", merges);
            }
        }
        if (d.bosId() >= 0) w.putUint32("tokenizer.ggml.bos_token_id", d.bosId());
        if (d.eosId() >= 0) w.putUint32("tokenizer.ggml.eos_token_id", d.eosId());
        if (d.unkId() >= 0) w.putUint32("tokenizer.ggml.unknown_token_id", d.unkId());
        w.putBool("tokenizer.ggml.add_bos_token", d.family() == TokenizerDescription.Family.SENTENCEPIECE && d.bosId() >= 0);
    }
}
