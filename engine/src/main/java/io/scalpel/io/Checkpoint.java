package io.scalpel.io;

import io.scalpel.model.ModelConfig;
import io.scalpel.model.ModelWeights;

import java.lang.foreign.Arena;
import java.util.Map;

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
    public static Checkpoint open(java.nio.file.Path path) {
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

    @Override public void close() { arena.close(); }
}
