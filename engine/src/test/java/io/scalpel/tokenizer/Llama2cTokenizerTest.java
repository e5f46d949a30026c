package io.scalpel.tokenizer;

import io.scalpel.testing.SharedData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.*;

/** llama2.c's tokenizer.bin, checked against run.c's known output and against the same vocabulary in GGUF. */
class Llama2cTokenizerTest {
    private static final int[] ONCE_UPON_A_TIME = {1, 403, 407, 261, 378};

    @TempDir Path tmp;

    @Test
    void encodesLikeRunC() {
        Path bin = SharedData.require("models/stories260K/tok512.bin");
        for (int vocabSize : new int[] {512, 0}) {
            Tokenizer t = Llama2cTokenizerReader.load(bin, vocabSize);
            assertEquals(512, t.vocabSize());
            assertArrayEquals(ONCE_UPON_A_TIME, t.encode("Once upon a time", true));
            assertArrayEquals(new int[] {1}, t.encode("", true), "run.c adds no dummy prefix to empty text");
            assertArrayEquals(new int[0], t.encode("", false));
            assertEquals("Once upon a time", t.decode(ONCE_UPON_A_TIME));
            assertEquals(1, t.bosId());
            assertEquals(2, t.eosId());
            assertEquals(" t", t.tokenText(259));
        }
    }

    @Test
    void ggufCopyOfTheVocabularyAgrees() {
        Tokenizer bin = SharedTokenizers.get("models/stories260K/tok512.bin");
        Tokenizer gguf = SharedTokenizers.get("models/stories260K/stories260K.gguf");
        assertArrayEquals(ONCE_UPON_A_TIME, gguf.encode("Once upon a time", true));
        Path dir = SharedData.require("tokenizers/llama.cpp-vocab");
        LlamaCppVocabVectors v = LlamaCppVocabVectors.read(dir.resolve("ggml-vocab-llama-spm.gguf.inp"), dir.resolve("ggml-vocab-llama-spm.gguf.out"));
        for (String text : v.texts()) {
            assertArrayEquals(gguf.encode(text, true), bin.encode(text, true), LlamaCppVectorsTest.escape(text));
        }
    }

    @Test
    void truncatedOrOversizedReadsNameTheFile() throws IOException {
        byte[] whole = Files.readAllBytes(SharedData.require("models/stories260K/tok512.bin"));
        Path cut = Files.write(tmp.resolve("tokenizer.bin"), Arrays.copyOf(whole, 101)); // mid-entry (100 is a boundary)
        TokenizerException e = assertThrows(TokenizerException.class, () -> TokenizerLoader.load(cut));
        assertOneLine(e, cut, "truncated");
        Path full = Files.write(tmp.resolve("full.bin"), whole);
        assertOneLine(assertThrows(TokenizerException.class, () -> Llama2cTokenizerReader.load(full, 600)), full, "truncated at token 512 of 600");
        assertEquals(300, Llama2cTokenizerReader.load(full, 300).vocabSize());
        Path tiny = Files.write(tmp.resolve("tiny.bin"), new byte[2]);
        assertOneLine(assertThrows(TokenizerException.class, () -> TokenizerLoader.load(tiny)), tiny, "truncated");
    }

    static void assertOneLine(RuntimeException e, Path file, String... parts) {
        String m = e.getMessage();
        assertFalse(m.contains("\n"), m);
        assertTrue(m.contains(file.toString()), m);
        for (String p : parts) assertTrue(m.contains(p), "expected '" + p + "' in: " + m);
    }
}
