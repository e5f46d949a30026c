package io.scalpel.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scalpel.io.CheckpointException;
import io.scalpel.testing.SharedData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static io.scalpel.tokenizer.Llama2cTokenizerTest.assertOneLine;
import static org.junit.jupiter.api.Assertions.*;

/** The less common spellings of tokenizer.json, and what the loader says about files it cannot use. */
class TokenizerFormatsTest {
    private final ObjectMapper json = new ObjectMapper();

    @TempDir Path tmp;

    /** Older tokenizer.json files write each merge as one string "a b"; the result must not change. */
    @Test
    void mergesWrittenAsStringsGiveTheSameIds() throws IOException {
        ObjectNode root = (ObjectNode) json.readTree(SharedData.require("tokenizers/llama2-hf/tokenizer.json").toFile());
        ArrayNode merges = (ArrayNode) root.path("model").path("merges");
        ArrayNode asStrings = json.createArrayNode();
        for (JsonNode pair : merges) asStrings.add(pair.get(0).asText() + " " + pair.get(1).asText());
        ((ObjectNode) root.path("model")).set("merges", asStrings);
        Path file = tmp.resolve("tokenizer.json");
        json.writeValue(file.toFile(), root);

        Path dir = SharedData.require("tokenizers/llama.cpp-vocab");
        LlamaCppVectorsTest.assertAllMatch("llama-spm (tokenizer.json, string merges)", TokenizerLoader.load(tmp),
                LlamaCppVocabVectors.read(dir.resolve("ggml-vocab-llama-spm.gguf.inp"), dir.resolve("ggml-vocab-llama-spm.gguf.out")));
    }

    /** A small Llama 3-style byte-level tokenizer.json: Split regex + ByteLevel, added tokens, configs beside it. */
    @Test
    void byteLevelWithSplitPreTokenizerAndAddedTokens() throws IOException {
        ObjectNode vocab = json.createObjectNode();
        for (int b = 0; b < 256; b++) vocab.put(String.valueOf(ByteLevelAlphabet.charOf(b)), b);
        vocab.put("hi", 256);
        vocab.put("Ġhi", 257);
        ObjectNode root = json.createObjectNode();
        ObjectNode model = root.putObject("model");
        model.put("type", "BPE").put("ignore_merges", true).set("vocab", vocab);
        model.putArray("merges").add("h i").add(json.createArrayNode().add("Ġ").add("hi"));
        ArrayNode added = root.putArray("added_tokens");
        added.addObject().put("id", 300).put("content", "<|begin_of_text|>").put("special", true);
        added.addObject().put("id", 301).put("content", "<|end_of_text|>").put("special", true);
        ObjectNode pre = root.putObject("pre_tokenizer").put("type", "Sequence");
        pre.putArray("pretokenizers")
                .add(json.createObjectNode().put("type", "Split").put("behavior", "Isolated").put("invert", false)
                        .set("pattern", json.createObjectNode().put("Regex", PreTokenizer.LLAMA3_REGEX)))
                .add(json.createObjectNode().put("type", "ByteLevel").put("use_regex", false));
        root.putObject("decoder").put("type", "ByteLevel");
        json.writeValue(tmp.resolve("tokenizer.json").toFile(), root);
        Files.writeString(tmp.resolve("tokenizer_config.json"), "{\"bos_token\": \"<|begin_of_text|>\", \"eos_token\": \"<|end_of_text|>\"}");

        Tokenizer t = TokenizerLoader.load(tmp);
        assertEquals(300, t.bosId());
        assertEquals(301, t.eosId());
        assertEquals(302, t.vocabSize());
        assertArrayEquals(new int[] {300, 256, 257, 301}, t.encode("<|begin_of_text|>hi hi<|end_of_text|>", false));
        // Ids equal byte values here; Llama 3's regex makes " !" one piece, which has no merge.
        assertArrayEquals(new int[] {300, 256, ' ', '!'}, t.encode("hi !", true));
        assertEquals("hi hi", t.decode(t.encode("<|begin_of_text|>hi hi<|end_of_text|>", true)));
    }

    @Test
    void loaderErrorsNameTheFile() throws IOException {
        Path missing = tmp.resolve("nothing-here");
        assertOneLine(assertThrows(TokenizerException.class, () -> TokenizerLoader.load(missing)), missing, "no such file");

        Path emptyDir = Files.createDirectory(tmp.resolve("empty"));
        assertOneLine(assertThrows(TokenizerException.class, () -> TokenizerLoader.load(emptyDir)), emptyDir, "no tokenizer.json");

        Path notJson = Files.writeString(tmp.resolve("tokenizer.json"), "{ not json");
        assertOneLine(assertThrows(TokenizerException.class, () -> TokenizerLoader.load(notJson)), notJson, "not valid JSON");

        Path unigram = Files.writeString(tmp.resolve("unigram.json"), "{\"model\": {\"type\": \"Unigram\", \"vocab\": []}}");
        assertOneLine(assertThrows(TokenizerException.class, () -> TokenizerLoader.load(unigram)), unigram, "Unigram");

        Path badGguf = Files.writeString(tmp.resolve("model.gguf"), "this is not a gguf file at all, just text");
        assertOneLine(assertThrows(CheckpointException.class, () -> TokenizerLoader.load(badGguf)), badGguf, "not a GGUF file");

        Path loneEncoder = Files.createDirectory(tmp.resolve("gpt2")).resolve("encoder.json");
        Files.writeString(loneEncoder, "{\"a\": 0}");
        assertOneLine(assertThrows(TokenizerException.class, () -> TokenizerLoader.load(loneEncoder)), loneEncoder, "vocab.bpe");

        Path oddName = Files.writeString(tmp.resolve("vocab.txt"), "a\nb\n");
        assertOneLine(assertThrows(TokenizerException.class, () -> TokenizerLoader.load(oddName)), oddName, "unknown tokenizer format");
    }

    @Test
    void ggufWithoutTokenizerSaysSo() throws IOException {
        // A minimal GGUF v3 with no metadata and no tensors.
        byte[] header = java.nio.ByteBuffer.allocate(24).order(java.nio.ByteOrder.LITTLE_ENDIAN)
                .put("GGUF".getBytes()).putInt(3).putLong(0).putLong(0).array();
        Path file = Files.write(tmp.resolve("bare.gguf"), header);
        assertOneLine(assertThrows(TokenizerException.class, () -> TokenizerLoader.load(file)), file, "no tokenizer");
    }
}
