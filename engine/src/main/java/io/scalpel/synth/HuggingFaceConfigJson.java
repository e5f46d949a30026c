package io.scalpel.synth;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scalpel.model.ModelConfig;
import io.scalpel.model.RopeScaling;
import io.scalpel.tensor.DType;

/** The {@code config.json} of a Hugging Face Llama directory for a given shape. */
final class HuggingFaceConfigJson {
    private HuggingFaceConfigJson() {}

    static String of(ModelConfig c, DType dtype) {
        ObjectMapper json = new ObjectMapper();
        ObjectNode n = json.createObjectNode();
        n.putArray("architectures").add("LlamaForCausalLM");
        n.put("model_type", "llama");
        n.put("hidden_size", c.dim());
        n.put("intermediate_size", c.hiddenDim());
        n.put("num_hidden_layers", c.layers());
        n.put("num_attention_heads", c.heads());
        n.put("num_key_value_heads", c.kvHeads());
        n.put("head_dim", c.headDim());
        n.put("vocab_size", c.vocabSize());
        n.put("max_position_embeddings", c.contextLength());
        n.put("rms_norm_eps", c.normEps());
        n.put("rope_theta", c.ropeTheta());
        if (c.ropeScaling() instanceof RopeScaling.Llama3(double factor, double low, double high, int original)) {
            ObjectNode rs = n.putObject("rope_scaling");
            rs.put("rope_type", "llama3");
            rs.put("factor", factor);
            rs.put("low_freq_factor", low);
            rs.put("high_freq_factor", high);
            rs.put("original_max_position_embeddings", original);
        }
        n.put("tie_word_embeddings", c.tiedEmbeddings());
        n.put("bos_token_id", c.bosId());
        n.put("eos_token_id", c.eosId());
        n.put("hidden_act", "silu");
        n.put("torch_dtype", switch (dtype) {
            case F32 -> "float32";
            case F16 -> "float16";
            case BF16 -> "bfloat16";
            case I32 -> throw new IllegalArgumentException("synthetic weights are float");
            case Q8_0, Q4_0, Q4_K, Q6_K -> throw new IllegalArgumentException(dtype + " is a GGUF encoding, not a safetensors dtype");
        });
        try {
            return json.writerWithDefaultPrettyPrinter().writeValueAsString(n) + "\n";
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
