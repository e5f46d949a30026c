package io.scalpel.tokenizer;

import io.scalpel.io.GgufWriter;
import io.scalpel.testing.SharedData;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A tokenizer written as Hugging Face files and as GGUF metadata loads back, through Scalpel's own
 * readers, to a tokenizer giving the same ids as the original: on llama.cpp's test strings and on every
 * text of SST-2's dev set, with and without BOS.
 */
class TokenizerExportTest {
    @TempDir Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"models/stories260K/tok512.bin", "models/stories260K/stories260K.gguf",
            "tokenizers/llama.cpp-vocab/ggml-vocab-llama-spm.gguf", "tokenizers/llama.cpp-vocab/ggml-vocab-gpt-2.gguf",
            "tokenizers/llama2-hf/tokenizer.json", "tokenizers/gpt2-hf/tokenizer.json"})
    void exportedTokenizersGiveTheOriginalsIds(String source) throws IOException {
        Tokenizer original = SharedTokenizers.get(source);
        TokenizerDescription d = TokenizerDescription.of(original);

        Path hf = Files.createDirectory(dir.resolve("hf"));
        HfTokenizerJsonWriter.write(d, hf);
        Tokenizer fromJson = TokenizerLoader.load(hf);

        GgufWriter w = new GgufWriter();
        GgufTokenizerMetadata.put(w, d);
        Path gguf = dir.resolve("tok.gguf");
        w.write(gguf);
        Tokenizer fromGguf = TokenizerLoader.load(gguf);

        for (Tokenizer copy : List.of(fromJson, fromGguf)) {
            assertEquals(original.vocabSize(), copy.vocabSize(), source + " vocabulary size");
            assertEquals(original.bosId(), copy.bosId(), source + " BOS");
            assertEquals(original.eosId(), copy.eosId(), source + " EOS");
        }
        List<String> texts = texts();
        int checked = 0;
        for (String text : texts) {
            int[] want = original.encode(text, true);
            for (Tokenizer copy : List.of(fromJson, fromGguf)) {
                int[] got = copy.encode(text, true);
                if (!Arrays.equals(want, got)) {
                    fail(source + " -> " + (copy == fromJson ? "tokenizer.json" : "GGUF") + " differs on \"" + text + "\": "
                            + Arrays.toString(want) + " vs " + Arrays.toString(got));
                }
                assertEquals(original.decode(want), copy.decode(got), "decode of \"" + text + "\"");
                checked++;
            }
        }
        assertEquals(2 * texts.size(), checked);
    }

    /** llama.cpp's tokenizer test strings (the .inp files) and every SST-2 dev text. */
    private static List<String> texts() throws IOException {
        List<String> out = new ArrayList<>();
        String inp = Files.readString(SharedData.require("tokenizers/llama.cpp-vocab/ggml-vocab-llama-spm.gguf.inp"));
        for (String s : inp.split("\n__ggml_vocab_test__\n", -1)) {
            if (!s.isEmpty()) out.add(s);
        }
        List<String> lines = Files.readAllLines(SharedData.require("data/sst2/dev.tsv"));
        for (String line : lines.subList(1, lines.size())) out.add(line.substring(line.indexOf('\t') + 1));
        if (out.size() < 872) throw new IllegalStateException("too few texts: " + out.size());
        return out;
    }
}
