package io.scalpel.io;

/** Where each decoder tensor lives in a checkpoint's name space (Hugging Face vs GGUF). */
public record TensorNaming(String embedding, String finalNorm, String output, String layerPrefix,
                           String attnNorm, String wq, String wk, String wv, String wo,
                           String bq, String bk, String bv,
                           String ffnNorm, String gate, String up, String down) {

    public static final TensorNaming HUGGING_FACE = new TensorNaming(
            "model.embed_tokens.weight", "model.norm.weight", "lm_head.weight", "model.layers.%d.",
            "input_layernorm.weight", "self_attn.q_proj.weight", "self_attn.k_proj.weight", "self_attn.v_proj.weight",
            "self_attn.o_proj.weight", "self_attn.q_proj.bias", "self_attn.k_proj.bias", "self_attn.v_proj.bias",
            "post_attention_layernorm.weight", "mlp.gate_proj.weight", "mlp.up_proj.weight", "mlp.down_proj.weight");

    public static final TensorNaming GGUF = new TensorNaming(
            "token_embd.weight", "output_norm.weight", "output.weight", "blk.%d.",
            "attn_norm.weight", "attn_q.weight", "attn_k.weight", "attn_v.weight",
            "attn_output.weight", "attn_q.bias", "attn_k.bias", "attn_v.bias",
            "ffn_norm.weight", "ffn_gate.weight", "ffn_up.weight", "ffn_down.weight");

    public String layer(int layer, String suffix) {
        return layerPrefix.formatted(layer) + suffix;
    }
}
