package io.scalpel.tokenizer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** tokenizer.json ids that would size tables past memory, and Metaspace's prepend schemes (issue #11). */
class TokenizerBoundsTest {
    @TempDir Path dir;

    private Path tokenizerJson(String name, String vocab, String added, String normalizer, String preTokenizer) throws IOException {
        String json = "{\"added_tokens\":[" + added + "],\"normalizer\":" + normalizer + ",\"pre_tokenizer\":" + preTokenizer
                + ",\"model\":{\"type\":\"BPE\",\"byte_fallback\":true,\"unk_token\":\"<unk>\",\"vocab\":{" + vocab + "},\"merges\":"
                + "[\"▁ h\",\"▁h i\"]}}";
        return Files.writeString(dir.resolve(name), json);
    }

    private static final String VOCAB = "\"<unk>\":0,\"<s>\":1,\"</s>\":2,\"▁\":3,\"h\":4,\"i\":5,\"▁h\":6,\"▁hi\":7";
    private static final String ADDED = "{\"id\":0,\"content\":\"<unk>\",\"special\":true},{\"id\":1,\"content\":\"<s>\",\"special\":true},"
            + "{\"id\":2,\"content\":\"</s>\",\"special\":true}";
    private static final String METASPACE_FIRST = "{\"type\":\"Metaspace\",\"replacement\":\"▁\",\"prepend_scheme\":\"first\",\"split\":false}";

    @Test void hugeIdsAreRefusedBeforeAnyTableIsSized() throws IOException {
        for (String bad : new String[]{"2147483647", "2147483646", "1000000000"}) {
            Path inVocab = tokenizerJson("v" + bad + ".json", VOCAB + ",\"x\":" + bad, ADDED, "null", METASPACE_FIRST);
            TokenizerException e = assertThrows(TokenizerException.class, () -> HfTokenizerJsonReader.load(inVocab));
            assertTrue(e.getMessage().startsWith(inVocab.toString()) && e.getMessage().contains("corrupt"), e.getMessage());
            Path inAdded = tokenizerJson("a" + bad + ".json", VOCAB, ADDED + ",{\"id\":" + bad + ",\"content\":\"<x>\"}", "null", METASPACE_FIRST);
            assertThrows(TokenizerException.class, () -> HfTokenizerJsonReader.load(inAdded));
        }
    }

    @Test void metaspaceFirstDoesNotAddASecondSpaceMarker() throws IOException {
        Tokenizer t = HfTokenizerJsonReader.load(tokenizerJson("first.json", VOCAB, ADDED, "null", METASPACE_FIRST));
        // Hugging Face: " hi" is already "▁hi"; no marker is prepended to a text that begins with one.
        assertArrayEquals(new int[]{7}, t.encode("hi", false));
        assertArrayEquals(new int[]{7}, t.encode(" hi", false));
        // "first": only the text's start gets the marker, not a run after a special token.
        assertArrayEquals(new int[]{1, 4, 5}, t.encode("<s>hi", false));
    }

    @Test void sentencePiecePrependStillPrependsAlways() throws IOException {
        String prepend = "{\"type\":\"Sequence\",\"normalizers\":[{\"type\":\"Prepend\",\"prepend\":\"▁\"},"
                + "{\"type\":\"Replace\",\"pattern\":{\"String\":\" \"},\"content\":\"▁\"}]}";
        Tokenizer t = HfTokenizerJsonReader.load(tokenizerJson("spm.json", VOCAB, ADDED, prepend, "null"));
        assertArrayEquals(new int[]{7}, t.encode("hi", false));
        assertArrayEquals(new int[]{3, 7}, t.encode(" hi", false));
    }
}
