package io.scalpel.tokenizer;

import io.scalpel.testing.SharedData;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Encoding many short texts must be fast (the surgery encodes thousands of labelled sentences). The bound
 * is loose, to catch an accidental quadratic algorithm rather than to benchmark.
 */
class EncodingSpeedTest {

    @Test
    void thousandsOfSentencesPerSecond() throws IOException {
        List<String> sentences = Files.readAllLines(SharedData.require("data/sst2/train.tsv")).stream()
                .skip(1).limit(5000).map(line -> line.substring(line.indexOf('\t') + 1)).toList();
        String longText = String.join(" ", sentences); // ~250 KB as one SentencePiece "word"
        for (String path : List.of("tokenizers/llama2-hf/tokenizer.json", "tokenizers/llama3.2-bpe")) {
            Tokenizer t = SharedTokenizers.get(path);
            for (String s : sentences.subList(0, 500)) t.encode(s, false); // warm up
            long start = System.nanoTime();
            long ids = 0;
            for (String s : sentences) ids += t.encode(s, false).length;
            double shortSeconds = (System.nanoTime() - start) / 1e9;
            start = System.nanoTime();
            int longIds = t.encode(longText, false).length;
            double longSeconds = (System.nanoTime() - start) / 1e9;
            System.out.printf("%s: %d sentences (%d ids) in %.3f s; one %d-char text (%d ids) in %.3f s%n",
                    path, sentences.size(), ids, shortSeconds, longText.length(), longIds, longSeconds);
            assertTrue(shortSeconds < 5, path + " took " + shortSeconds + " s for " + sentences.size() + " sentences");
            assertTrue(longSeconds < 5, path + " took " + longSeconds + " s for a " + longText.length() + "-char text");
        }
    }
}
