package io.scalpel.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.scalpel.model.ModelConfig;
import io.scalpel.model.ModelWeights;
import io.scalpel.model.RopeScaling;
import io.scalpel.tensor.Tensor;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** Reads a Hugging Face model directory: config.json (llama, mistral, qwen2) and its safetensors. */
final class HuggingFaceCheckpointReader {
    private static final Set<String> ARCHITECTURES = Set.of("llama", "mistral", "qwen2");

    private HuggingFaceCheckpointReader() {}

    static Checkpoint read(ModelFormat.HuggingFace format, Arena arena) {
        Path configFile = format.path().resolve("config.json");
        ModelConfig config = readConfig(configFile);
        SafetensorsReader.SafetensorsFile st = SafetensorsReader.openDirectory(format.path(), arena);
        ModelWeights weights = new WeightsAssembler(format.path(), st.tensors(), TensorNaming.HUGGING_FACE, config)
                .assemble(false, arena);
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", "Hugging Face safetensors");
        meta.put("dtype", weights.layers().getFirst().gate().dtype().name());
        return new Checkpoint(format, config, weights, weights.layers().getFirst().hasQkvBias(), meta, arena);
    }

    static ModelConfig readConfig(Path configFile) {
        JsonNode c;
        try {
            c = new ObjectMapper().readTree(configFile.toFile());
        } catch (IOException e) {
            throw new CheckpointException(configFile, "not valid JSON: " + SafetensorsReader.firstLine(e.getMessage()));
        }
        String arch = c.path("model_type").asText("");
        if (!ARCHITECTURES.contains(arch)) {
            throw new CheckpointException(configFile, "unknown architecture model_type=\"" + arch + "\" (supported: llama, mistral, qwen2)");
        }
        int dim = requireInt(configFile, c, "hidden_size");
        int heads = requireInt(configFile, c, "num_attention_heads");
        try {
            int headDim = c.hasNonNull("head_dim") ? requireInt(configFile, c, "head_dim") : ModelConfig.defaultHeadDim(dim, heads);
            RopeScaling scaling = new RopeScaling.None();
            JsonNode rs = c.get("rope_scaling");
            if (rs != null && rs.isObject()) {
                String type = rs.path("rope_type").asText(rs.path("type").asText(""));
                if (!type.equals("llama3")) {
                    throw new CheckpointException(configFile, "unsupported rope_scaling type \"" + type + "\" (supported: llama3)");
                }
                scaling = new RopeScaling.Llama3(number(configFile, rs, "factor", 8), number(configFile, rs, "low_freq_factor", 1),
                        number(configFile, rs, "high_freq_factor", 4), optionalInt(configFile, rs, "original_max_position_embeddings", 8192));
            }
            return new ModelConfig(arch, dim, requireInt(configFile, c, "intermediate_size"),
                    requireInt(configFile, c, "num_hidden_layers"), heads,
                    optionalInt(configFile, c, "num_key_value_heads", heads), headDim,
                    requireInt(configFile, c, "vocab_size"),
                    optionalInt(configFile, c, "max_position_embeddings", 2048),
                    (float) number(configFile, c, "rms_norm_eps", 1e-6),
                    number(configFile, c, "rope_theta", 10000.0), scaling,
                    c.path("tie_word_embeddings").asBoolean(false),
                    firstId(c.get("bos_token_id"), 1), firstId(c.get("eos_token_id"), 2));
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(configFile, e.getMessage());
        }
    }

    /** A numeric field, or {@code fallback} when absent or null; anything else (a string, an object) is refused. */
    private static double number(Path file, JsonNode c, String key, double fallback) {
        JsonNode n = c.get(key);
        if (n == null || n.isNull()) return fallback;
        if (!n.isNumber()) throw new CheckpointException(file, "\"" + key + "\" is " + n + ", not a number");
        return n.asDouble();
    }

    private static int optionalInt(Path file, JsonNode c, String key, int fallback) {
        JsonNode n = c.get(key);
        if (n == null || n.isNull()) return fallback;
        return requireInt(file, c, key);
    }

    private static int requireInt(Path file, JsonNode c, String key) {
        JsonNode n = c.get(key);
        if (n == null || !n.isIntegralNumber() || !n.canConvertToInt()) {
            throw new CheckpointException(file, "missing or non-integer \"" + key + "\"" + (n == null ? "" : " (" + n + ")"));
        }
        return n.asInt();
    }

    private static int firstId(JsonNode n, int fallback) {
        if (n == null || n.isNull()) return fallback;
        if (n.isArray()) return n.isEmpty() ? fallback : n.get(0).asInt(fallback);
        return n.asInt(fallback);
    }

    /** Tensor names present, for diagnostics. */
    static Set<String> names(Map<String, Tensor> tensors) { return tensors.keySet(); }
}
