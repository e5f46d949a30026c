package io.scalpel.tokenizer;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** Streaming decode holds back partial UTF-8 characters and never throws on bad bytes. */
class StreamingDecoderTest {
    private static final String TEXT = "Llama 🦙 says héllo, 世界! Ünïcödé → ✅";

    @Test
    void sentencePieceByteFallbackCharactersArriveWhole() {
        Tokenizer t = SharedTokenizers.get("tokenizers/llama2-hf/tokenizer.json");
        int[] ids = t.encode(TEXT, true);
        List<String> chunks = stream(t, ids);
        assertEquals(TEXT, String.join("", chunks));
        // 🦙 is not in Llama 2's vocabulary: four byte tokens, of which the first three yield nothing.
        int llamaAt = indexOf(ids, new int[] {243, 162, 169, 156});
        assertTrue(llamaAt > 0, "🦙 should be spelled by byte tokens");
        assertEquals(List.of("", "", ""), chunks.subList(llamaAt, llamaAt + 3));
        assertEquals("🦙", chunks.get(llamaAt + 3));
        chunks.forEach(c -> assertFalse(c.contains("\uFFFD"), "partial character leaked: " + chunks));
    }

    @Test
    void byteLevelCharactersSplitAcrossTokensArriveWhole() {
        Tokenizer t = SharedTokenizers.get("tokenizers/gpt2-hf/tokenizer.json");
        int[] ids = t.encode(TEXT, false);
        List<String> chunks = stream(t, ids);
        assertEquals(TEXT, String.join("", chunks));
        assertTrue(chunks.contains(""), "some GPT-2 token should end inside a character: " + chunks);
        chunks.forEach(c -> assertFalse(c.contains("\uFFFD"), "partial character leaked: " + chunks));
    }

    @Test
    void invalidUtf8BecomesReplacementCharacters() {
        Tokenizer spm = SharedTokenizers.get("tokenizers/llama2-hf/tokenizer.json");
        int f0 = spm.encode("🦙", false)[1]; // <0xF0>, a lead byte
        assertEquals("<0xF0>", spm.tokenText(f0));
        int[] hi = spm.encode("hi", false);
        int[] bad = new int[hi.length + 1];
        bad[0] = f0;
        System.arraycopy(hi, 0, bad, 1, hi.length);
        assertEquals("\uFFFD hi", spm.decode(bad));
        Tokenizer.Decoder d = spm.newDecoder();
        assertEquals("", d.push(f0));
        assertEquals("\uFFFD", d.finish(), "an unfinished character at the end is replaced");
        assertEquals("", d.finish());

        Tokenizer gpt2 = SharedTokenizers.get("tokenizers/gpt2-hf/tokenizer.json");
        Vocabulary vocab = ((ByteLevelBpe) gpt2).vocabulary();
        int lead = vocab.id("Ã");  // byte 0xC3, the lead of "é"
        int tail = vocab.id("©");  // byte 0xA9, a continuation byte
        assertEquals("é", gpt2.decode(new int[] {lead, tail}));
        assertEquals("\uFFFD", gpt2.decode(new int[] {tail}), "a lone continuation byte");
        assertEquals("\uFFFD\uFFFD", gpt2.decode(new int[] {lead, lead}));
        assertThrows(IllegalArgumentException.class, () -> gpt2.decode(new int[] {gpt2.vocabSize()}));
    }

    @Test
    void controlTokensDecodeToNothingAndOnlyTheFirstSpaceIsDropped() {
        Tokenizer t = SharedTokenizers.get("tokenizers/llama.cpp-vocab/ggml-vocab-llama-spm.gguf");
        int[] ids = t.encode("  two spaces", true);
        assertEquals("  two spaces", t.decode(ids));
        int[] withEos = java.util.Arrays.copyOf(ids, ids.length + 1);
        withEos[ids.length] = t.eosId();
        assertEquals("  two spaces", t.decode(withEos));
    }

    private static List<String> stream(Tokenizer t, int[] ids) {
        Tokenizer.Decoder d = t.newDecoder();
        List<String> chunks = new ArrayList<>();
        for (int id : ids) chunks.add(d.push(id));
        assertEquals("", d.finish());
        return chunks;
    }

    private static int indexOf(int[] haystack, int[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) if (haystack[i + j] != needle[j]) continue outer;
            return i;
        }
        return -1;
    }
}
