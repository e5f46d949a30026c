package io.scalpel.io;

import io.scalpel.model.ModelConfig;
import io.scalpel.model.ModelWeights;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A loaded checkpoint: its config and weights, whose bytes stay memory-mapped (plus the few tensors
 * converted at load) until {@link #close()} releases the arena.
 *
 * @param qkvBias  whether q/k/v carry biases (Qwen2, or Llama with attention_bias)
 * @param metadata format-specific facts worth showing (file names, GGUF keys, dtypes)
 */
public record Checkpoint(ModelFormat format, ModelConfig config, ModelWeights weights, boolean qkvBias,
                         Map<String, String> metadata, Arena arena) implements AutoCloseable {

    /** Opens any supported checkpoint path. The caller closes it. */
    public static Checkpoint open(Path path) {
        ModelFormat format = ModelFormat.detect(path);
        Arena arena = Arena.ofShared();
        try {
            return switch (format) {
                case ModelFormat.HuggingFace hf -> HuggingFaceCheckpointReader.read(hf, arena);
                case ModelFormat.Gguf g -> GgufCheckpointReader.read(g, arena);
                case ModelFormat.Llama2c l -> Llama2cCheckpointReader.read(l, arena);
            };
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    /**
     * Bytes of the files the weights are read from: the GGUF or llama2.c file, or a Hugging Face
     * directory's {@code .safetensors} shards (config and tokenizer files not counted) — what "memory at
     * the checkpoint's size" compares with.
     */
    public long fileBytes() {
        Path path = format.path();
        try {
            if (!(format instanceof ModelFormat.HuggingFace)) return Files.size(path);
            try (Stream<Path> files = Files.list(path)) {
                long sum = 0;
                for (Path f : files.filter(f -> f.getFileName().toString().endsWith(".safetensors")).toList()) sum += Files.size(f);
                return sum;
            }
        } catch (IOException e) {
            throw new CheckpointException(path, "cannot read its size: " + e.getMessage(), e);
        }
    }

    @Override public void close() { arena.close(); }
}
