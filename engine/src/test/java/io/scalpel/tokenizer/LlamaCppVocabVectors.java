package io.scalpel.tokenizer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * llama.cpp's tokenizer test vectors: {@code X.inp} holds strings, each followed by a line
 * {@code __ggml_vocab_test__}; line i of {@code X.out} holds the ids of string i, space separated, without
 * BOS, as Hugging Face's tokenizers produce them.
 */
record LlamaCppVocabVectors(List<String> texts, List<int[]> ids) {
    private static final String SEPARATOR = "\n__ggml_vocab_test__\n";

    static LlamaCppVocabVectors read(Path inp, Path out) {
        try {
            String all = Files.readString(inp, StandardCharsets.UTF_8);
            List<String> texts = new ArrayList<>();
            // Each string is followed by the separator; strings may themselves be empty or end in newlines.
            int from = 0;
            for (int at = all.indexOf(SEPARATOR, from); at >= 0; at = all.indexOf(SEPARATOR, from)) {
                texts.add(all.substring(from, at));
                from = at + SEPARATOR.length();
            }
            List<int[]> ids = new ArrayList<>();
            for (String line : Files.readAllLines(out, StandardCharsets.UTF_8)) {
                String t = line.strip();
                ids.add(t.isEmpty() ? new int[0] : Arrays.stream(t.split(" ")).mapToInt(Integer::parseInt).toArray());
            }
            if (texts.size() != ids.size()) {
                throw new IllegalStateException(inp + ": " + texts.size() + " strings but " + ids.size() + " id lines in " + out);
            }
            return new LlamaCppVocabVectors(texts, ids);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    int size() { return texts.size(); }
}
