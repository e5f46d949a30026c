package io.scalpel.model;

import io.scalpel.tensor.Tensor;

/**
 * One decoder layer's tensors, in Hugging Face orientation ([out, in]) and with q/k rows in the
 * engine's "rotate_half" RoPE layout. Biases are null where the architecture has none.
 */
public record LayerWeights(Tensor attnNorm, Tensor wq, Tensor wk, Tensor wv, Tensor wo,
                           Tensor bq, Tensor bk, Tensor bv,
                           Tensor ffnNorm, Tensor gate, Tensor up, Tensor down) {
    public boolean hasQkvBias() { return bq != null; }
}
