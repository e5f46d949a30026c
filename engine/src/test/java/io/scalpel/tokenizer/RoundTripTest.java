package io.scalpel.tokenizer;

import io.scalpel.testing.SharedData;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * decode(encode(s)) == s for every test string: byte fallback and byte-level vocabularies can spell any
 * text, and SentencePiece decoding removes exactly the space its encoder prepended. Decoding ids id by id
 * through a streaming decoder must give the same text.
 */
class RoundTripTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource({
            "tokenizers/llama.cpp-vocab/ggml-vocab-llama-spm.gguf, ggml-vocab-llama-spm.gguf",
            "tokenizers/llama2-hf/tokenizer.json, ggml-vocab-llama-spm.gguf",
            "models/llama-2-tiny-random/llama-2-tiny-random.gguf, ggml-vocab-llama-spm.gguf",
            "models/stories260K/stories260K.gguf, ggml-vocab-llama-spm.gguf",
            "models/stories260K/tok512.bin, ggml-vocab-llama-spm.gguf",
            "tokenizers/llama.cpp-vocab/ggml-vocab-gpt-2.gguf, ggml-vocab-gpt-2.gguf",
            "tokenizers/gpt2-hf/tokenizer.json, ggml-vocab-gpt-2.gguf",
            "tokenizers/llama3.2-bpe, ggml-vocab-llama-bpe.gguf",
    })
    void decodeInvertsEncode(String tokenizerPath, String vectorsName) {
        Tokenizer tokenizer = SharedTokenizers.get(tokenizerPath);
        Path dir = SharedData.require("tokenizers/llama.cpp-vocab");
        LlamaCppVocabVectors v = LlamaCppVocabVectors.read(dir.resolve(vectorsName + ".inp"), dir.resolve(vectorsName + ".out"));
        List<String> failures = new ArrayList<>();
        int held = 0;
        for (String text : v.texts()) {
            boolean addBos = tokenizer.bosId() >= 0;
            int[] ids = tokenizer.encode(text, addBos);
            String decoded = tokenizer.decode(ids);
            Tokenizer.Decoder stream = tokenizer.newDecoder();
            StringBuilder streamed = new StringBuilder();
            for (int id : ids) streamed.append(stream.push(id));
            streamed.append(stream.finish());
            assertEquals(decoded, streamed.toString(), "streamed decode differs for " + LlamaCppVectorsTest.escape(text));
            if (decoded.equals(text)) held++;
            else failures.add(LlamaCppVectorsTest.escape(text) + " -> " + LlamaCppVectorsTest.escape(decoded));
        }
        System.out.printf("round trip %s: %d/%d%n", tokenizerPath, held, v.size());
        assertTrue(failures.isEmpty(), failures.size() + " strings do not round-trip: " + failures);
    }
}
