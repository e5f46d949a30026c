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

    /**
     * Every reader's config ends here, so these are the checks for all formats: positive sizes, heads a
     * multiple of kv heads, an even head_dim, sizes whose products fit an int, and numerics that
     * cannot make every logit NaN (a positive finite rope_theta, a finite rms_norm_eps ≥ 0, positive
     * finite rope_scaling factors).
     */
    public ModelConfig {
        positive("hidden size", dim);
        positive("intermediate size", hiddenDim);
        positive("layers", layers);
        positive("attention heads", heads);
        positive("kv heads", kvHeads);
        positive("head_dim", headDim);
        positive("vocabulary size", vocabSize);
        positive("context length", contextLength);
        if (heads % kvHeads != 0) throw new IllegalArgumentException("heads (" + heads + ") must be a multiple of kv heads (" + kvHeads + ")");
        if (headDim % 2 != 0) throw new IllegalArgumentException("head_dim must be even for rotary embeddings, got " + headDim);
        if ((long) heads * headDim > Integer.MAX_VALUE || (long) kvHeads * headDim > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("heads × head_dim = " + (long) heads * headDim + " is too large");
        }
        if (!(normEps >= 0) || Float.isInfinite(normEps)) throw new IllegalArgumentException("rms_norm_eps must be a finite number ≥ 0, got " + normEps);
        if (!(ropeTheta > 0) || Double.isInfinite(ropeTheta)) throw new IllegalArgumentException("rope_theta must be a finite number > 0, got " + ropeTheta);
        java.util.Objects.requireNonNull(ropeScaling, "rope scaling");
        ropeScaling.validate(headDim);
    }

    /** head_dim when the file does not give one: hidden size / heads, which must divide evenly. */
    public static int defaultHeadDim(int dim, int heads) {
        positive("attention heads", heads);
        if (dim % heads != 0) throw new IllegalArgumentException("hidden size " + dim + " is not divisible by " + heads + " attention heads");
        return dim / heads;
    }

    private static void positive(String what, int v) {
        if (v <= 0) throw new IllegalArgumentException(what + " must be positive, got " + v);
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
