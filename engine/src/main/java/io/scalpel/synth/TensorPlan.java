package io.scalpel.synth;

import io.scalpel.io.TensorNaming;
import io.scalpel.model.ModelConfig;

import java.util.ArrayList;
import java.util.List;

import static io.scalpel.synth.PlannedTensor.Fill.ONES;
import static io.scalpel.synth.PlannedTensor.Fill.RANDOM;
import static io.scalpel.synth.PlannedTensor.Fill.ZEROS;

/** The ordered list of tensors each format stores for a Llama decoder of a given shape. */
public final class TensorPlan {
    private TensorPlan() {}

    public static List<PlannedTensor> of(SyntheticFormat format, ModelConfig c) {
        return switch (format) {
            case SAFETENSORS -> perLayer(c, TensorNaming.HUGGING_FACE);
            case GGUF -> perLayer(c, TensorNaming.GGUF);
            case LLAMA2C -> llama2c(c);
        };
    }

    /** Hugging Face and GGUF: one tensor per layer and kind, named by the format's convention. */
    private static List<PlannedTensor> perLayer(ModelConfig c, TensorNaming n) {
        int d = c.dim(), q = c.qDim(), kv = c.kvDim(), h = c.hiddenDim();
        List<PlannedTensor> out = new ArrayList<>();
        out.add(new PlannedTensor(n.embedding(), new long[]{c.vocabSize(), d}, RANDOM));
        for (int l = 0; l < c.layers(); l++) {
            out.add(new PlannedTensor(n.layer(l, n.attnNorm()), new long[]{d}, ONES));
            out.add(new PlannedTensor(n.layer(l, n.wq()), new long[]{q, d}, RANDOM));
            out.add(new PlannedTensor(n.layer(l, n.wk()), new long[]{kv, d}, RANDOM));
            out.add(new PlannedTensor(n.layer(l, n.wv()), new long[]{kv, d}, RANDOM));
            out.add(new PlannedTensor(n.layer(l, n.wo()), new long[]{d, q}, RANDOM));
            out.add(new PlannedTensor(n.layer(l, n.ffnNorm()), new long[]{d}, ONES));
            out.add(new PlannedTensor(n.layer(l, n.gate()), new long[]{h, d}, RANDOM));
            out.add(new PlannedTensor(n.layer(l, n.up()), new long[]{h, d}, RANDOM));
            out.add(new PlannedTensor(n.layer(l, n.down()), new long[]{d, h}, RANDOM));
        }
        out.add(new PlannedTensor(n.finalNorm(), new long[]{d}, ONES));
        if (!c.tiedEmbeddings()) out.add(new PlannedTensor(n.output(), new long[]{c.vocabSize(), d}, RANDOM));
        return out;
    }

    /** llama2.c's run.c order: each kind stacked over layers; the RoPE tables run.c no longer reads are zeros. */
    private static List<PlannedTensor> llama2c(ModelConfig c) {
        int d = c.dim(), kv = c.kvDim(), h = c.hiddenDim(), L = c.layers();
        if (c.qDim() != d) throw new IllegalArgumentException("llama2.c files need head_dim = dim / heads (got head_dim " + c.headDim() + ")");
        List<PlannedTensor> out = new ArrayList<>();
        out.add(new PlannedTensor("token_embedding_table", new long[]{c.vocabSize(), d}, RANDOM));
        out.add(new PlannedTensor("rms_att_weight", new long[]{L, d}, ONES));
        out.add(new PlannedTensor("wq", new long[]{L, d, d}, RANDOM));
        out.add(new PlannedTensor("wk", new long[]{L, kv, d}, RANDOM));
        out.add(new PlannedTensor("wv", new long[]{L, kv, d}, RANDOM));
        out.add(new PlannedTensor("wo", new long[]{L, d, d}, RANDOM));
        out.add(new PlannedTensor("rms_ffn_weight", new long[]{L, d}, ONES));
        out.add(new PlannedTensor("w1", new long[]{L, h, d}, RANDOM));
        out.add(new PlannedTensor("w2", new long[]{L, d, h}, RANDOM));
        out.add(new PlannedTensor("w3", new long[]{L, h, d}, RANDOM));
        out.add(new PlannedTensor("rms_final_weight", new long[]{d}, ONES));
        out.add(new PlannedTensor("freq_cis_real", new long[]{c.contextLength(), c.headDim() / 2}, ZEROS));
        out.add(new PlannedTensor("freq_cis_imag", new long[]{c.contextLength(), c.headDim() / 2}, ZEROS));
        if (!c.tiedEmbeddings()) out.add(new PlannedTensor("wcls", new long[]{c.vocabSize(), d}, RANDOM));
        return out;
    }
}
