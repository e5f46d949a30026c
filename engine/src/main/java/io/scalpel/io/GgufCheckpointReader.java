package io.scalpel.io;

import io.scalpel.model.ModelConfig;
import io.scalpel.model.ModelWeights;
import io.scalpel.model.RopeScaling;
import io.scalpel.tensor.Tensor;

import java.lang.foreign.Arena;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Builds a model from a GGUF file: the {@code <arch>.*} metadata keys give the config, the
 * {@code blk.N.*} tensors the weights. llama.cpp's converter permutes q/k rows of {@code llama}
 * models into the interleaved RoPE layout; they are permuted back here. {@code qwen2} uses the
 * "neox" (rotate_half) layout already.
 */
final class GgufCheckpointReader {
    private static final Set<String> ARCHITECTURES = Set.of("llama", "mistral", "qwen2");

    private GgufCheckpointReader() {}

    static Checkpoint read(ModelFormat.Gguf format, Arena arena) {
        GgufFile gguf = GgufReader.open(format.path(), arena);
        GgufMetadata m = gguf.metadata();
        String arch;
        try {
            arch = m.getString("general.architecture", "");
            if (m.getString("general.type", "model").equals("adapter")) {
                throw new CheckpointException(format.path(), "a GGUF " + m.getString("adapter.type", "") + " adapter, not a model (apply it with --lora on its base model)");
            }
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(format.path(), e.getMessage());
        }
        if (!ARCHITECTURES.contains(arch)) {
            throw new CheckpointException(format.path(), "unknown architecture general.architecture=\"" + arch + "\" (supported: llama, mistral, qwen2)");
        }
        Map<String, Tensor> tensors = gguf.tensors(arena);
        Tensor embedding = tensors.get(TensorNaming.GGUF.embedding());
        if (embedding == null) throw new CheckpointException(format.path(), "tensor token_embd.weight is missing");
        ModelConfig config;
        try {
            int dim = requireInt(format, m, arch + ".embedding_length");
            int heads = requireInt(format, m, arch + ".attention.head_count");
            RopeScaling scaling = new RopeScaling.None();
            Tensor freqs = tensors.get("rope_freqs.weight");
            if (freqs != null) scaling = new RopeScaling.FrequencyFactors(freqs.toFloatArray());
            // key_length's default is only computed when the key is absent: heads may be 0 in a corrupt file.
            int headDim = m.contains(arch + ".attention.key_length") ? m.getInt(arch + ".attention.key_length", 0)
                    : ModelConfig.defaultHeadDim(dim, heads);
            config = new ModelConfig(arch, dim, requireInt(format, m, arch + ".feed_forward_length"),
                    requireInt(format, m, arch + ".block_count"), heads,
                    m.getInt(arch + ".attention.head_count_kv", heads), headDim,
                    embedding.rows(), m.getInt(arch + ".context_length", 2048),
                    m.getFloat(arch + ".attention.layer_norm_rms_epsilon", 1e-5f),
                    m.getFloat(arch + ".rope.freq_base", 10000f), scaling,
                    !tensors.containsKey(TensorNaming.GGUF.output()),
                    m.getInt("tokenizer.ggml.bos_token_id", 1), m.getInt("tokenizer.ggml.eos_token_id", 2));
        } catch (IllegalArgumentException | ArithmeticException e) {
            throw new CheckpointException(format.path(), e.getMessage());
        }
        ModelWeights weights = new WeightsAssembler(format.path(), tensors, TensorNaming.GGUF, config)
                .assemble(!arch.equals("qwen2"), arena);
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", "GGUF v" + gguf.version());
        meta.put("dtype", weights.layers().getFirst().gate().dtype().name());
        if (m.contains("general.file_type")) {
            try {
                int fileType = m.getInt("general.file_type", -1);
                meta.put("file_type", fileType + " (" + GgufModelMetadata.fileTypeName(fileType) + ")");
            } catch (IllegalArgumentException e) {
                throw new CheckpointException(format.path(), e.getMessage());
            }
        }
        meta.put("name", m.getString("general.name", ""));
        meta.put("tokenizer", m.getString("tokenizer.ggml.model", "none"));
        return new Checkpoint(format, config, weights, weights.layers().getFirst().hasQkvBias(), meta, arena);
    }

    private static int requireInt(ModelFormat.Gguf f, GgufMetadata m, String key) {
        if (!m.contains(key)) throw new CheckpointException(f.path(), "metadata key " + key + " is missing");
        return m.getInt(key, 0);
    }
}
