package io.scalpel.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Reads byte-level BPE from GPT-2's file pair: {@code encoder.json} (token → id; Hugging Face calls it
 * {@code vocab.json}) and {@code vocab.bpe} (one merge "a b" per line, optionally after a
 * {@code #version} line; Hugging Face calls it {@code merges.txt}). The pair does not say which
 * pre-tokenizer regex it was trained with; {@link #load(Path, Path)} infers it from the vocabulary.
 */
public final class Gpt2BpeFilesReader {
    private Gpt2BpeFilesReader() {}

    /**
     * Loads with a pre-tokenizer inferred from the longest all-digit token: a regex that cuts digits into
     * runs of at most three (Llama 3) or one (Qwen2) leaves no longer digit tokens for BPE to learn, while
     * GPT-2's regex keeps whole numbers, so its vocabulary has longer ones.
     */
    public static ByteLevelBpe load(Path encoderJson, Path vocabBpe) {
        Vocabulary vocab = vocabulary(encoderJson);
        int longestDigits = 0;
        for (int id = 0; id < vocab.size(); id++) {
            String t = vocab.text(id);
            if (!t.isEmpty() && t.chars().allMatch(c -> c >= '0' && c <= '9')) longestDigits = Math.max(longestDigits, t.length());
        }
        PreTokenizer pre = longestDigits == 3 ? PreTokenizer.LLAMA3 : longestDigits == 1 ? PreTokenizer.QWEN2 : PreTokenizer.GPT2;
        return build(vocab, encoderJson, vocabBpe, pre);
    }

    /** Loads with the given pre-tokenizer (Llama 3's also merges whole pieces first, as its tokenizer.json says). */
    public static ByteLevelBpe load(Path encoderJson, Path vocabBpe, PreTokenizer preTokenizer) {
        return build(vocabulary(encoderJson), encoderJson, vocabBpe, preTokenizer);
    }

    private static ByteLevelBpe build(Vocabulary vocab, Path encoderJson, Path vocabBpe, PreTokenizer pre) {
        MergeTable merges = MergeTable.fromPairs(vocab, merges(vocabBpe));
        SpecialTokenMatcher specials = new SpecialTokenMatcher(vocab.tokensMatchedInText());
        Path dir = encoderJson.toAbsolutePath().getParent();
        SpecialTokenConfig config = new SpecialTokenConfig(dir == null ? Path.of(".") : dir, new ObjectMapper());
        return new ByteLevelBpe(vocab, merges, pre, specials, pre == PreTokenizer.LLAMA3, null, false,
                config.bos(vocab, -1), config.eos(vocab, -1));
    }

    private static Vocabulary vocabulary(Path encoderJson) {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(encoderJson.toFile());
        } catch (IOException e) {
            if (!Files.exists(encoderJson)) throw new TokenizerException(encoderJson, "no such file");
            throw new TokenizerException(encoderJson, "not valid JSON: " + e.getMessage().lines().findFirst().orElse(""), e);
        }
        if (root == null || !root.isObject()) throw new TokenizerException(encoderJson, "not a token-to-id JSON object");
        long highest = 0;
        for (Map.Entry<String, JsonNode> e : root.properties()) {
            if (!e.getValue().isIntegralNumber() || !e.getValue().canConvertToInt() || e.getValue().asInt() < 0) {
                throw new TokenizerException(encoderJson, "token " + e.getKey() + " has id " + e.getValue() + ", not a non-negative int");
            }
            highest = Math.max(highest, e.getValue().asInt() + 1L);
        }
        int size = Vocabulary.checkedSize(encoderJson, highest, root.size());
        String[] texts = new String[size];
        TokenType[] types = new TokenType[size];
        for (Map.Entry<String, JsonNode> e : root.properties()) {
            int id = e.getValue().asInt();
            texts[id] = e.getKey();
            // GPT-2 keeps its one special token in the same file.
            types[id] = e.getKey().startsWith("<|") && e.getKey().endsWith("|>") ? TokenType.CONTROL : TokenType.NORMAL;
        }
        for (int i = 0; i < size; i++) if (types[i] == null) types[i] = TokenType.UNUSED;
        return new Vocabulary(texts, types);
    }

    private static List<String[]> merges(Path vocabBpe) {
        List<String> lines;
        try {
            lines = Files.readAllLines(vocabBpe, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new TokenizerException(vocabBpe, "no such file");
        } catch (IOException e) {
            throw new TokenizerException(vocabBpe, "cannot read: " + e.getMessage(), e);
        }
        List<String[]> out = new ArrayList<>(lines.size());
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isEmpty() || (i == 0 && line.startsWith("#version"))) continue;
            int space = line.indexOf(' ', 1);
            if (space < 0 || line.indexOf(' ', space + 1) >= 0) {
                throw new TokenizerException(vocabBpe, "line " + (i + 1) + " is not two tokens separated by one space");
            }
            out.add(new String[] {line.substring(0, space), line.substring(space + 1)});
        }
        return out;
    }
}
