package io.scalpel.io;

import io.scalpel.model.LayerWeights;
import io.scalpel.model.ModelConfig;
import io.scalpel.model.ModelWeights;
import io.scalpel.tensor.Tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Builds {@link ModelWeights} from a checkpoint's named tensors, checking every shape against the
 * config, and converting q/k rows to the engine's one RoPE layout ("rotate_half") where the file
 * stores the interleaved layout (GGUF llama, llama2.c). Every tensor it hands out is a read-only
 * view: a backend that reads the checkpoint's memory in place must copy before it edits, so an edit
 * of the resident weights never reaches the checkpoint (whose gate rows are the patch's base hash,
 * and which the exporter copies from) — whether that memory is a read-only mapping or a writable
 * copy made at load (llama2.c's aligned copy, permuted q/k).
 */
final class WeightsAssembler {
    private final Path file;
    private final Map<String, Tensor> tensors;
    private final TensorNaming names;
    private final ModelConfig config;

    WeightsAssembler(Path file, Map<String, Tensor> tensors, TensorNaming names, ModelConfig config) {
        this.file = file;
        this.tensors = tensors;
        this.names = names;
        this.config = config;
    }

    /**
     * @param interleavedRope q/k rows pair (2i, 2i+1) in the file and must be permuted
     * @param arena           owns the permuted copies of q/k (the rest stays mapped)
     */
    ModelWeights assemble(boolean interleavedRope, Arena arena) {
        int d = config.dim(), q = config.qDim(), kv = config.kvDim(), h = config.hiddenDim();
        Tensor embedding = require(names.embedding(), config.vocabSize(), d);
        List<LayerWeights> layers = new ArrayList<>();
        for (int l = 0; l < config.layers(); l++) {
            Tensor wq = require(layer(l, names.wq()), q, d);
            Tensor wk = require(layer(l, names.wk()), kv, d);
            Tensor bq = optional(layer(l, names.bq()), q);
            Tensor bk = optional(layer(l, names.bk()), kv);
            Tensor bv = optional(layer(l, names.bv()), kv);
            if (interleavedRope) {
                wq = toRotateHalf(wq, config.heads(), arena);
                wk = toRotateHalf(wk, config.kvHeads(), arena);
                if (bq != null) bq = toRotateHalf(bq, config.heads(), arena);
                if (bk != null) bk = toRotateHalf(bk, config.kvHeads(), arena);
            }
            layers.add(new LayerWeights(
                    require(layer(l, names.attnNorm()), d), wq, wk,
                    require(layer(l, names.wv()), kv, d),
                    require(layer(l, names.wo()), d, q),
                    bq, bk, bv,
                    require(layer(l, names.ffnNorm()), d),
                    require(layer(l, names.gate()), h, d),
                    require(layer(l, names.up()), h, d),
                    require(layer(l, names.down()), d, h)));
        }
        Tensor finalNorm = require(names.finalNorm(), d);
        Tensor output = config.tiedEmbeddings() ? embedding : require(names.output(), config.vocabSize(), d);
        return new ModelWeights(embedding, layers, finalNorm, output);
    }

    private String layer(int l, String suffix) { return names.layer(l, suffix); }

    private Tensor require(String name, long... shape) {
        Tensor t = tensors.get(name);
        if (t == null) throw new CheckpointException(file, "tensor " + name + " is missing");
        return checkShape(t, shape);
    }

    private Tensor optional(String name, long... shape) {
        Tensor t = tensors.get(name);
        return t == null ? null : checkShape(t, shape);
    }

    private Tensor checkShape(Tensor t, long[] shape) {
        long[] actual = t.shape();
        // A [n] vector may be stored as [1, n] or [n, 1]; compare element layouts, not only ranks.
        boolean same = Arrays.equals(actual, shape)
                || (shape.length == 1 && t.size() == shape[0] && (actual.length == 2 && (actual[0] == 1 || actual[1] == 1)));
        if (!same) {
            throw new CheckpointException(file, "tensor " + t.name() + " has shape " + Arrays.toString(actual)
                    + ", expected " + Arrays.toString(shape) + " for this config");
        }
        if (!t.dtype().isFloat()) throw new CheckpointException(file, "tensor " + t.name() + " has non-float dtype " + t.dtype());
        return readOnly(t);
    }

    private static Tensor readOnly(Tensor t) {
        return t.data().isReadOnly() ? t : new Tensor(t.name(), t.dtype(), t.shape(), t.data().asReadOnly());
    }

    /**
     * Interleaved q/k rows to the engine's rotate_half order (see {@link RopeRowOrder}).
     *
     * <p>Where the reader's tensor is its own writable copy of the file (llama2.c's aligned copy), the
     * rows are permuted in place: a second copy would hold q and k twice (56 MB for 110M). Where it is a
     * file mapping, the permuted copy has just faulted the source pages in, and they would stay resident
     * beside it for the whole run (a GGUF llama's q and k twice over: 89 MB for a 1B Q8_0 file). Nothing
     * reads them again but an export, which faults them back in from the page cache; so they are handed
     * back to the OS ({@link MemorySegment#unload}: the mapping stays valid, and pages shared with a
     * neighbouring tensor are simply read again when that tensor is).
     */
    private Tensor toRotateHalf(Tensor t, int heads, Arena arena) {
        Tensor given = tensors.get(t.name());  // as the reader made it, before the read-only view
        if (given != null && !given.data().isReadOnly() && !given.data().isMapped()) {
            return RopeRowOrder.toRotateHalfInPlace(given, heads);
        }
        Tensor permuted = RopeRowOrder.toRotateHalf(t, heads, arena);
        if (t.data().isMapped()) t.data().unload();
        return permuted;
    }
}
