package io.scalpel.model;

import io.scalpel.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.stream.Stream;

/** Every tensor of a decoder. {@code output} is the embedding itself where the checkpoint ties them. */
public record ModelWeights(Tensor embedding, List<LayerWeights> layers, Tensor finalNorm, Tensor output) {
    public ModelWeights { layers = List.copyOf(layers); }

    /** Each tensor once, in file order: the embedding, every layer's tensors (biases where present), the final norm, an untied output. */
    public List<Tensor> tensors() {
        List<Tensor> all = new ArrayList<>();
        all.add(embedding);
        for (LayerWeights l : layers) {
            Stream.of(l.attnNorm(), l.wq(), l.wk(), l.wv(), l.wo(), l.bq(), l.bk(), l.bv(), l.ffnNorm(), l.gate(), l.up(), l.down())
                    .filter(Objects::nonNull).forEach(all::add);
        }
        all.add(finalNorm);
        if (output != embedding) all.add(output);
        return all;
    }
}
