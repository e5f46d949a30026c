package io.scalpel.tokenizer;

import io.scalpel.io.GgufMetadata;
import io.scalpel.io.GgufReader;

import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds a tokenizer from a GGUF file's {@code tokenizer.ggml.*} metadata, as llama.cpp does:
 * {@code model = "llama"} is SentencePiece-style BPE merged by {@code scores}; {@code model = "gpt2"} is
 * byte-level BPE with {@code merges} and the pre-tokenizer named by {@code pre}. Control, user-defined and
 * unknown tokens ({@code token_type}) are matched whole in the input text.
 */
public final class GgufTokenizerReader {
    private GgufTokenizerReader() {}

    /** Reads the tokenizer of a GGUF file (mapping it only while reading). */
    public static Tokenizer load(Path gguf) {
        try (Arena arena = Arena.ofConfined()) {
            return fromMetadata(GgufReader.open(gguf, arena).metadata(), gguf);
        }
    }

    /** @param file named in error messages */
    public static Tokenizer fromMetadata(GgufMetadata meta, Path file) {
        try {
            return build(meta, file);
        } catch (IllegalArgumentException e) { // a metadata key of the wrong type
            throw new TokenizerException(file, e.getMessage(), e);
        }
    }

    private static Tokenizer build(GgufMetadata meta, Path file) {
        String model = meta.getString("tokenizer.ggml.model", null);
        if (model == null) throw new TokenizerException(file, "no tokenizer in this GGUF (tokenizer.ggml.model is missing)");
        List<String> tokens = meta.getStringList("tokenizer.ggml.tokens");
        if (tokens == null || tokens.isEmpty()) throw new TokenizerException(file, "tokenizer.ggml.tokens is missing or empty");
        int n = tokens.size();

        TokenType[] types = new TokenType[n];
        int[] typeValues = meta.getIntArray("tokenizer.ggml.token_type");
        if (typeValues != null && typeValues.length != n) {
            throw new TokenizerException(file, "tokenizer.ggml.token_type has " + typeValues.length + " entries for " + n + " tokens");
        }
        for (int i = 0; i < n; i++) types[i] = typeValues == null ? TokenType.NORMAL : TokenType.fromGguf(typeValues[i]);
        Vocabulary vocab = Vocabulary.of(tokens, types);
        SpecialTokenMatcher specials = new SpecialTokenMatcher(vocab.tokensMatchedInText());
        int bos = tokenId(meta, "tokenizer.ggml.bos_token_id", n);
        int eos = tokenId(meta, "tokenizer.ggml.eos_token_id", n);

        return switch (model) {
            case "llama" -> {
                float[] scores = meta.getFloatArray("tokenizer.ggml.scores");
                if (scores == null) scores = new float[n];
                if (scores.length != n) throw new TokenizerException(file, "tokenizer.ggml.scores has " + scores.length + " entries for " + n + " tokens");
                SentencePieceBpe.Options options = new SentencePieceBpe.Options("\u2581",
                        meta.getBoolean("tokenizer.ggml.add_space_prefix", true), false);
                yield new SentencePieceBpe(vocab, MergeTable.fromScores(vocab, scores), options, specials,
                        bos, eos, tokenId(meta, "tokenizer.ggml.unknown_token_id", n));
            }
            case "gpt2" -> {
                List<String> mergeStrings = meta.getStringList("tokenizer.ggml.merges");
                if (mergeStrings == null) throw new TokenizerException(file, "tokenizer.ggml.merges is missing");
                List<String[]> pairs = new ArrayList<>(mergeStrings.size());
                for (String m : mergeStrings) {
                    int space = m.indexOf(' ', 1);
                    if (space < 0) throw new TokenizerException(file, "merge \"" + m + "\" is not two tokens separated by a space");
                    pairs.add(new String[] {m.substring(0, space), m.substring(space + 1)});
                }
                String preName = meta.getString("tokenizer.ggml.pre", "default");
                PreTokenizer pre = PreTokenizer.forGgufName(preName);
                if (pre == null) throw new TokenizerException(file, "pre-tokenizer \"" + preName + "\" (tokenizer.ggml.pre) is not supported");
                // llama.cpp sets ignore_merges for Llama 3's pre-tokenizer only, as Hugging Face's Llama 3 tokenizer does.
                yield new ByteLevelBpe(vocab, MergeTable.fromPairs(vocab, pairs), pre, specials,
                        pre == PreTokenizer.LLAMA3, null, false, bos, eos);
            }
            default -> throw new TokenizerException(file, "tokenizer model \"" + model + "\" is not supported (llama, gpt2)");
        };
    }

    /** A token id from metadata, -1 when absent or out of range (converters write 0xFFFFFFFF for "none"). */
    private static int tokenId(GgufMetadata meta, String key, int vocabSize) {
        long id = meta.getLong(key, -1);
        return id >= 0 && id < vocabSize ? (int) id : -1;
    }
}
