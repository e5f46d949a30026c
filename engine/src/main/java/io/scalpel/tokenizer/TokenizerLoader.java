package io.scalpel.tokenizer;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Loads a tokenizer from whatever a user points at: a {@code tokenizer.json}, a model folder, a
 * {@code .gguf}, a llama2.c {@code tokenizer.bin}, or GPT-2's {@code encoder.json}/{@code vocab.bpe} pair.
 */
public final class TokenizerLoader {
    private TokenizerLoader() {}

    /** Loads from {@code path}; a tokenizer.bin is read to its end. */
    public static Tokenizer load(Path path) {
        return load(path, 0);
    }

    /**
     * @param llama2cVocabSize entries of a llama2.c tokenizer.bin to read (its checkpoint's vocab size), or 0
     *                         for all; ignored for other formats
     * @throws TokenizerException (or {@link io.scalpel.io.CheckpointException} for a bad GGUF) naming the file
     */
    public static Tokenizer load(Path path, int llama2cVocabSize) {
        if (Files.isDirectory(path)) return loadFolder(path, llama2cVocabSize);
        if (!Files.exists(path)) throw new TokenizerException(path, "no such file or folder");
        String name = path.getFileName().toString();
        if (name.endsWith(".gguf") || startsWithGgufMagic(path)) return GgufTokenizerReader.load(path);
        if (name.equals("encoder.json") || name.equals("vocab.json")) {
            Tokenizer pair = loadGpt2Pair(path.toAbsolutePath().getParent());
            if (pair == null) throw new TokenizerException(path, "no vocab.bpe (or merges.txt) beside it");
            return pair;
        }
        if (name.endsWith(".json")) return HfTokenizerJsonReader.load(path);
        if (name.endsWith(".bin")) return Llama2cTokenizerReader.load(path, llama2cVocabSize);
        throw new TokenizerException(path, "unknown tokenizer format (expected tokenizer.json, .gguf, tokenizer.bin, or encoder.json with vocab.bpe)");
    }

    private static Tokenizer loadFolder(Path dir, int llama2cVocabSize) {
        if (Files.isRegularFile(dir.resolve("tokenizer.json"))) return HfTokenizerJsonReader.load(dir.resolve("tokenizer.json"));
        Tokenizer pair = loadGpt2Pair(dir);
        if (pair != null) return pair;
        if (Files.isRegularFile(dir.resolve("tokenizer.bin"))) return Llama2cTokenizerReader.load(dir.resolve("tokenizer.bin"), llama2cVocabSize);
        throw new TokenizerException(dir, "no tokenizer.json, encoder.json + vocab.bpe, vocab.json + merges.txt, or tokenizer.bin in this folder");
    }

    /** The GPT-2 pair in {@code dir}, in OpenAI's or Hugging Face's file names; null when neither is complete. */
    private static Tokenizer loadGpt2Pair(Path dir) {
        if (Files.isRegularFile(dir.resolve("encoder.json")) && Files.isRegularFile(dir.resolve("vocab.bpe"))) {
            return Gpt2BpeFilesReader.load(dir.resolve("encoder.json"), dir.resolve("vocab.bpe"));
        }
        if (Files.isRegularFile(dir.resolve("vocab.json")) && Files.isRegularFile(dir.resolve("merges.txt"))) {
            return Gpt2BpeFilesReader.load(dir.resolve("vocab.json"), dir.resolve("merges.txt"));
        }
        return null;
    }

    private static boolean startsWithGgufMagic(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] magic = in.readNBytes(4);
            return magic.length == 4 && magic[0] == 'G' && magic[1] == 'G' && magic[2] == 'U' && magic[3] == 'F';
        } catch (IOException e) {
            throw new TokenizerException(file, "cannot read: " + e.getMessage(), e);
        }
    }
}
