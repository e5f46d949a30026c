package io.scalpel.model;

import io.scalpel.tensor.Tensor;

import java.util.List;

/** Every tensor of a decoder. {@code output} is the embedding itself where the checkpoint ties them. */
public record ModelWeights(Tensor embedding, List<LayerWeights> layers, Tensor finalNorm, Tensor output) {
    public ModelWeights { layers = List.copyOf(layers); }
}
