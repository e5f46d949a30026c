package io.scalpel.surgery.lora;

import io.scalpel.backend.Weight;
import io.scalpel.model.LayerWeights;
import io.scalpel.model.Transformer;
import io.scalpel.tensor.Tensor;

import java.util.Locale;

/**
 * The projections a LoRA may adapt, with their names in PEFT ({@code self_attn.q_proj}) and in GGUF
 * ({@code attn_q}), and whether their rows are RoPE-rotated (q, k: GGUF llama stores those rows interleaved).
 */
public enum LoraTarget {
    Q("self_attn.q_proj", "attn_q", true), K("self_attn.k_proj", "attn_k", true), V("self_attn.v_proj", "attn_v", false),
    O("self_attn.o_proj", "attn_output", false), GATE("mlp.gate_proj", "ffn_gate", false), UP("mlp.up_proj", "ffn_up", false),
    DOWN("mlp.down_proj", "ffn_down", false);

    private final String peftModule;
    private final String ggufName;
    private final boolean ropeRows;

    LoraTarget(String peftModule, String ggufName, boolean ropeRows) {
        this.peftModule = peftModule;
        this.ggufName = ggufName;
        this.ropeRows = ropeRows;
    }

    /** Path inside a layer in PEFT / Hugging Face names, e.g. {@code mlp.gate_proj}. */
    public String peftModule() { return peftModule; }

    /** The short module name PEFT's {@code target_modules} lists, e.g. {@code gate_proj}. */
    public String peftShortName() { return peftModule.substring(peftModule.indexOf('.') + 1); }

    /** llama.cpp's tensor name inside {@code blk.N.}, without {@code .weight}, e.g. {@code ffn_gate}. */
    public String ggufName() { return ggufName; }

    /** Whether GGUF {@code llama} stores this projection's rows in the interleaved RoPE order. */
    public boolean ropeRows() { return ropeRows; }

    /** RoPE heads of this projection's rows (q: attention heads, k: kv heads). */
    public int ropeHeads(io.scalpel.model.ModelConfig c) { return this == Q ? c.heads() : c.kvHeads(); }

    public Weight of(Transformer.Layer l) {
        return switch (this) {
            case Q -> l.wq();
            case K -> l.wk();
            case V -> l.wv();
            case O -> l.wo();
            case GATE -> l.gate();
            case UP -> l.up();
            case DOWN -> l.down();
        };
    }

    public Tensor of(LayerWeights l) {
        return switch (this) {
            case Q -> l.wq();
            case K -> l.wk();
            case V -> l.wv();
            case O -> l.wo();
            case GATE -> l.gate();
            case UP -> l.up();
            case DOWN -> l.down();
        };
    }

    /** The target a PEFT module name ({@code gate_proj}, {@code mlp.gate_proj}) or GGUF name ({@code ffn_gate}) names, or null. */
    public static LoraTarget named(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        for (LoraTarget t : values()) {
            if (n.equals(t.peftModule) || n.equals(t.peftShortName()) || n.equals(t.ggufName)) return t;
        }
        return null;
    }
}
