package io.scalpel.model;

/**
 * The shape and numerics of a Llama-family decoder, whatever file it came from.
 *
 * @param architecture  "llama", "mistral", "qwen2", ... (as the checkpoint names it)
 * @param dim           hidden size (residual stream width)
 * @param hiddenDim     MLP intermediate size (rows of gate_proj)
 * @param headDim       per-head width; may differ from dim / heads
 * @param contextLength the longest context the model was built for
 */
public record ModelConfig(String architecture, int dim, int hiddenDim, int layers, int heads, int kvHeads, int headDim,
                          int vocabSize, int contextLength, float normEps, double ropeTheta, RopeScaling ropeScaling,
                          boolean tiedEmbeddings, int bosId, int eosId) {

    public ModelConfig {
        if (dim <= 0 || hiddenDim <= 0 || layers <= 0 || heads <= 0 || kvHeads <= 0 || headDim <= 0 || vocabSize <= 0) {
            throw new IllegalArgumentException("model dimensions must be positive: " + this);
        }
        if (heads % kvHeads != 0) throw new IllegalArgumentException("heads (" + heads + ") must be a multiple of kv heads (" + kvHeads + ")");
        if (headDim % 2 != 0) throw new IllegalArgumentException("head_dim must be even for rotary embeddings, got " + headDim);
    }

    public int qDim() { return heads * headDim; }

    public int kvDim() { return kvHeads * headDim; }

    /** Parameters of the decoder (every tensor, counting a tied output matrix once). */
    public long parameterCount(boolean qkvBias) {
        long perLayer = 2L * dim + (long) dim * qDim() * 2 + (long) dim * kvDim() * 2 + 3L * dim * hiddenDim;
        if (qkvBias) perLayer += qDim() + 2L * kvDim();
        long total = perLayer * layers + (long) vocabSize * dim + dim;
        if (!tiedEmbeddings) total += (long) vocabSize * dim;
        return total;
    }
}
