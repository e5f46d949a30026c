package io.scalpel.surgery.export;

import io.scalpel.backend.Weight;
import io.scalpel.model.Transformer;
import io.scalpel.surgery.lora.LoraTarget;
import io.scalpel.tensor.Tensor;

import java.lang.foreign.MemorySegment;
import java.util.stream.IntStream;

/**
 * A layer projection's bits as the backend holds them now — surgery edits and {@code --lora} updates
 * included, from device memory on a GPU — under the source tensor's name, dtype and shape. Exporters
 * take every projection from here and the tensors nothing edits (embeddings, norms, biases) from the
 * checkpoint.
 */
final class ResidentTensors {
    private ResidentTensors() {}

    static Tensor current(Transformer model, int layer, LoraTarget target, Tensor original) {
        Weight w = target.of(model.layers().get(layer));
        byte[] bits = model.backend().readRows(w, IntStream.range(0, w.rows()).toArray());
        return new Tensor(original.name(), original.dtype(), original.shape(), MemorySegment.ofArray(bits));
    }
}
