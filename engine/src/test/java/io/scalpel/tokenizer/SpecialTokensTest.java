package io.scalpel.tokenizer;

import org.junit.jupiter.api.Test;

import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.*;

/** BOS/EOS ids per source, and special tokens written in the text. */
class SpecialTokensTest {

    @Test
    void bosEosAndVocabularySizePerSource() {
        record Expect(String path, int bos, int eos, int vocab) {}
        for (Expect e : new Expect[] {
                new Expect("tokenizers/llama2-hf/tokenizer.json", 1, 2, 32000),
                new Expect("tokenizers/llama.cpp-vocab/ggml-vocab-llama-spm.gguf", 1, 2, 32000),
                new Expect("models/llama-2-tiny-random/llama-2-tiny-random.gguf", 1, 2, 32000),
                new Expect("models/stories260K/stories260K.gguf", 1, 2, 512),
                new Expect("tokenizers/gpt2-hf/tokenizer.json", 50256, 50256, 50257),
                new Expect("tokenizers/gpt2-hf", 50256, 50256, 50257),
                new Expect("tokenizers/llama.cpp-vocab/ggml-vocab-gpt-2.gguf", 50256, 50256, 50257),
                new Expect("tokenizers/llama3.2-bpe", -1, -1, 128000)}) {
            Tokenizer t = SharedTokenizers.get(e.path);
            assertEquals(e.bos, t.bosId(), e.path + " bos");
            assertEquals(e.eos, t.eosId(), e.path + " eos");
            assertEquals(e.vocab, t.vocabSize(), e.path + " vocab");
        }
    }

    @Test
    void sentencePieceMatchesSpecialTokensInTextAndPrefixesEachTextRun() {
        for (String path : new String[] {"tokenizers/llama2-hf/tokenizer.json", "tokenizers/llama.cpp-vocab/ggml-vocab-llama-spm.gguf"}) {
            Tokenizer t = SharedTokenizers.get(path);
            assertEquals("▁Hello", t.tokenText(15043));
            // As llama.cpp: the text after a special token gets its own "▁" prefix.
            assertArrayEquals(new int[] {1, 15043, 2}, t.encode("<s>Hello</s>", false), path);
            assertArrayEquals(new int[] {1, 1, 15043}, t.encode("<s>Hello", true), path);
            assertEquals("Hello", t.decode(new int[] {1, 15043, 2}));
        }
    }

    @Test
    void gpt2EndOfTextIsOneTokenAndAbsorbsSurroundingSpaces() {
        Tokenizer t = SharedTokenizers.get("tokenizers/gpt2-hf/tokenizer.json");
        assertEquals("ĠHello", t.tokenText(18435));
        assertArrayEquals(new int[] {15496, 50256}, t.encode("Hello<|endoftext|>", false));
        // tokenizer.json marks <|endoftext|> lstrip and rstrip, so the spaces around it vanish.
        int[] expected = IntStream.concat(IntStream.concat(IntStream.of(t.encode("Hello", false)), IntStream.of(50256)),
                IntStream.of(t.encode("world", false))).toArray();
        assertArrayEquals(expected, t.encode("Hello <|endoftext|> world", false));
        assertEquals("Helloworld", t.decode(expected));
        assertArrayEquals(new int[] {50256, 15496}, t.encode("Hello", true));

        Tokenizer gguf = SharedTokenizers.get("tokenizers/llama.cpp-vocab/ggml-vocab-gpt-2.gguf");
        assertArrayEquals(new int[] {15496, 50256}, gguf.encode("Hello<|endoftext|>", false));
    }

    @Test
    void withoutBosAddingOneIsAnError() {
        Tokenizer t = SharedTokenizers.get("tokenizers/llama3.2-bpe");
        assertThrows(IllegalStateException.class, () -> t.encode("hi", true));
        // No special tokens in this vocabulary: the marker is plain text.
        assertTrue(t.encode("<|begin_of_text|>", false).length > 1);
    }
}
