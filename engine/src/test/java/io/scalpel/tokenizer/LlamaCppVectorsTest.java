package io.scalpel.tokenizer;

import io.scalpel.testing.SharedData;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every tokenizer against llama.cpp's expected ids (Hugging Face's output) for its vocabulary's test strings.
 * Each test prints "matched N/M" so the counts show in the build log.
 */
class LlamaCppVectorsTest {

    private static LlamaCppVocabVectors vectors(String name) {
        Path dir = SharedData.require("tokenizers/llama.cpp-vocab");
        return LlamaCppVocabVectors.read(dir.resolve(name + ".inp"), dir.resolve(name + ".out"));
    }

    /** Encodes every string, reports the count that matched, and fails listing the first mismatches. */
    static void assertAllMatch(String label, Tokenizer tokenizer, LlamaCppVocabVectors v) {
        List<String> failures = new ArrayList<>();
        int matched = 0;
        for (int i = 0; i < v.size(); i++) {
            int[] got = tokenizer.encode(v.texts().get(i), false);
            if (Arrays.equals(got, v.ids().get(i))) matched++;
            else failures.add("#" + i + " " + escape(v.texts().get(i)) + "\n   expected " + Arrays.toString(v.ids().get(i)) + "\n   got      " + Arrays.toString(got));
        }
        System.out.printf("%s: matched %d/%d%n", label, matched, v.size());
        assertTrue(failures.isEmpty(), label + ": " + failures.size() + " of " + v.size() + " differ:\n" + String.join("\n", failures.subList(0, Math.min(5, failures.size()))));
    }

    static String escape(String s) {
        String t = s.replace("\n", "\\n").replace("\t", "\\t");
        return "\"" + (t.length() > 60 ? t.substring(0, 60) + "..." : t) + "\"";
    }

    @Test void llamaSpmFromGguf() {
        Tokenizer t = SharedTokenizers.get("tokenizers/llama.cpp-vocab/ggml-vocab-llama-spm.gguf");
        assertAllMatch("llama-spm (ggml-vocab-llama-spm.gguf)", t, vectors("ggml-vocab-llama-spm.gguf"));
    }

    @Test void llamaSpmFromTokenizerJson() {
        Tokenizer t = SharedTokenizers.get("tokenizers/llama2-hf/tokenizer.json");
        assertAllMatch("llama-spm (llama2-hf/tokenizer.json)", t, vectors("ggml-vocab-llama-spm.gguf"));
    }

    @Test void llamaSpmFromModelGguf() {
        Tokenizer t = SharedTokenizers.get("models/llama-2-tiny-random/llama-2-tiny-random.gguf");
        assertAllMatch("llama-spm (llama-2-tiny-random.gguf)", t, vectors("ggml-vocab-llama-spm.gguf"));
    }

    /** The README's quirk: ids 8655, 17891, 20246, 30081 hold U+00A0 pieces, which a bad copy had as plain spaces. */
    @Test void llama2HfAndGgufVocabulariesAgree() {
        Tokenizer hf = SharedTokenizers.get("tokenizers/llama2-hf/tokenizer.json");
        Tokenizer gguf = SharedTokenizers.get("tokenizers/llama.cpp-vocab/ggml-vocab-llama-spm.gguf");
        assertEquals(gguf.vocabSize(), hf.vocabSize());
        for (int id = 0; id < hf.vocabSize(); id++) assertEquals(gguf.tokenText(id), hf.tokenText(id), "id " + id);
        for (int id : new int[] {8655, 17891, 20246, 30081}) assertTrue(hf.tokenText(id).contains("\u00A0"), hf.tokenText(id));
    }

    @Test void gpt2FromGguf() {
        Tokenizer t = SharedTokenizers.get("tokenizers/llama.cpp-vocab/ggml-vocab-gpt-2.gguf");
        assertAllMatch("gpt-2 (ggml-vocab-gpt-2.gguf)", t, vectors("ggml-vocab-gpt-2.gguf"));
    }

    @Test void gpt2FromTokenizerJson() {
        Tokenizer t = SharedTokenizers.get("tokenizers/gpt2-hf/tokenizer.json");
        assertAllMatch("gpt-2 (gpt2-hf/tokenizer.json)", t, vectors("ggml-vocab-gpt-2.gguf"));
    }

    @Test void gpt2FromVocabJsonAndMergesTxt() {
        Path dir = SharedData.require("tokenizers/gpt2-hf");
        Tokenizer t = Gpt2BpeFilesReader.load(dir.resolve("vocab.json"), dir.resolve("merges.txt"));
        assertEquals(PreTokenizer.GPT2, ((ByteLevelBpe) t).preTokenizer());
        assertAllMatch("gpt-2 (gpt2-hf/vocab.json + merges.txt)", t, vectors("ggml-vocab-gpt-2.gguf"));
    }

    @Test void llama3FromEncoderJsonAndVocabBpe() {
        Tokenizer t = SharedTokenizers.get("tokenizers/llama3.2-bpe");
        assertEquals(PreTokenizer.LLAMA3, ((ByteLevelBpe) t).preTokenizer());
        assertAllMatch("llama-bpe (llama3.2-bpe encoder.json + vocab.bpe)", t, vectors("ggml-vocab-llama-bpe.gguf"));
    }
}
