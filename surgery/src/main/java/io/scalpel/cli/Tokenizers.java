package io.scalpel.cli;

import io.scalpel.io.CheckpointException;
import io.scalpel.io.ModelFormat;
import io.scalpel.tokenizer.Tokenizer;
import io.scalpel.tokenizer.TokenizerLoader;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Finds the tokenizer that goes with a model: given by {@code --tokenizer}, inside the model, or beside it. */
final class Tokenizers {
    private Tokenizers() {}

    static Tokenizer forModel(ModelOptions o) {
        Path source = o.tokenizer != null ? o.tokenizer : locate(o.model);
        return TokenizerLoader.load(source);
    }

    /**
     * Checks the tokenizer against the model's vocabulary, before anything runs: ids it produces must
     * exist in the embedding, so a larger tokenizer is refused. A smaller one is accepted (models pad
     * their embeddings, as Qwen2 does); generation then never picks an id the tokenizer cannot spell
     * (see {@link GenerateCommand}).
     */
    static Tokenizer checked(Tokenizer t, int modelVocab, Path source) {
        if (t.vocabSize() > modelVocab) {
            throw new CheckpointException(source, "tokenizer has " + t.vocabSize() + " tokens but the model's vocabulary has " + modelVocab);
        }
        return t;
    }

    /** The ids of {@code text} with BOS first where the vocabulary has one (GPT-2 style vocabularies have none). */
    static int[] encodeWithBos(Tokenizer t, String text) {
        return t.encode(text, t.bosId() >= 0);
    }

    /**
     * A tokenizer path as {@code tokenize --tokenizer} takes it: what {@link TokenizerLoader} reads,
     * and for a folder without a standard file name the single {@code tok*.bin} that model commands
     * find beside a llama2.c checkpoint.
     */
    static Tokenizer forTokenizerPath(Path path) {
        if (Files.isDirectory(path) && !Files.exists(path.resolve("tokenizer.json")) && !Files.exists(path.resolve("tokenizer.bin"))
                && !Files.exists(path.resolve("encoder.json")) && !Files.exists(path.resolve("vocab.json"))) {
            try (var files = Files.list(path)) {
                var candidates = files.filter(p -> {
                    String n = p.getFileName().toString();
                    return n.startsWith("tok") && n.endsWith(".bin");
                }).toList();
                if (candidates.size() == 1) return TokenizerLoader.load(candidates.getFirst());
            } catch (IOException e) {
                throw new CheckpointException(path, "cannot list directory: " + e.getMessage());
            }
        }
        return TokenizerLoader.load(path);
    }

    private static Path locate(Path model) {
        return switch (ModelFormat.detect(model)) {
            case ModelFormat.HuggingFace hf -> hf.path();
            case ModelFormat.Gguf g -> g.path();
            case ModelFormat.Llama2c l -> besideLlama2c(l.path());
        };
    }

    /** llama2.c keeps its tokenizer beside the checkpoint: tokenizer.bin, or a single tok*.bin (tok512.bin). */
    private static Path besideLlama2c(Path bin) {
        Path dir = bin.toAbsolutePath().getParent();
        Path standard = dir.resolve("tokenizer.bin");
        if (Files.exists(standard)) return standard;
        try (var files = Files.list(dir)) {
            var candidates = files.filter(p -> {
                String n = p.getFileName().toString();
                return n.startsWith("tok") && n.endsWith(".bin") && !p.equals(bin.toAbsolutePath());
            }).toList();
            if (candidates.size() == 1) return candidates.getFirst();
        } catch (IOException e) {
            throw new CheckpointException(dir, "cannot list directory: " + e.getMessage());
        }
        throw new CheckpointException(bin, "no tokenizer.bin beside this llama2.c checkpoint; pass --tokenizer");
    }
}
