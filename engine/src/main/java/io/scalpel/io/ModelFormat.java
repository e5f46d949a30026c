package io.scalpel.io;

import java.nio.file.Files;
import java.nio.file.Path;

/** The checkpoint layouts Scalpel reads: a closed set, recognised from the path. */
public sealed interface ModelFormat {
    Path path();

    /** A Hugging Face model directory: config.json + safetensors (single or sharded). */
    record HuggingFace(Path path) implements ModelFormat {}

    /** A GGUF v2/v3 file. */
    record Gguf(Path path) implements ModelFormat {}

    /** A llama2.c legacy {@code .bin} checkpoint. */
    record Llama2c(Path path) implements ModelFormat {}

    /** Recognises a model path: a directory (HF layout), a {@code .gguf} or a {@code .bin}. */
    static ModelFormat detect(Path path) {
        if (!Files.exists(path)) throw new CheckpointException(path, "no such file or directory");
        if (Files.isDirectory(path)) {
            if (!Files.exists(path.resolve("config.json"))) throw new CheckpointException(path, "directory has no config.json (expected a Hugging Face model directory)");
            return new HuggingFace(path);
        }
        String name = path.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
        if (name.endsWith(".gguf")) return new Gguf(path);
        if (name.endsWith(".bin")) return new Llama2c(path);
        if (name.endsWith(".safetensors") || name.equals("config.json")) return new HuggingFace(path.toAbsolutePath().getParent());
        throw new CheckpointException(path, "unknown model format (expected a Hugging Face directory, a .gguf or a llama2.c .bin)");
    }
}
