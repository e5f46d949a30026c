package io.scalpel.backend.cpu;

import io.scalpel.backend.Weight;
import io.scalpel.tensor.DType;
import io.scalpel.tensor.Tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A weight on the CPU: the checkpoint's bytes, read in place. The first edit (surgery) copies this one
 * tensor into memory the backend owns — memory stays at the checkpoint's size until something is
 * edited, and neither the user's file nor the loaded checkpoint is ever written.
 *
 * <p>The kernels see every weight's bytes as one segment class ({@link #oneClass}): a GGUF's
 * mapped slices, the arena copies its loader makes of q/k and the copies edits make would otherwise be
 * two classes, and a kernel that has seen both is recompiled with a check around every load.
 */
final class CpuWeight implements Weight {
    private final Tensor source;
    private final Arena arena;
    private MemorySegment data;
    private boolean owned;

    CpuWeight(Tensor source, Arena arena) {
        this.source = source;
        this.arena = arena;
        this.data = oneClass(source.data());
    }

    /**
     * The same bytes as a segment of one class whatever {@code w} is. The kernels' loads are compiled for
     * the segment classes they have seen: the mapping's slices are one class, the arena copies a checkpoint
     * loader makes (q/k rows permuted at load) and edited weights another. Once a kernel has seen both, C2
     * deoptimises it and recompiles with a bounds, liveness and class check around every load. The view has
     * {@code w}'s address, size, scope (so closing the arena is still checked) and read-only flag.
     */
    static MemorySegment oneClass(MemorySegment w) {
        return w.isNative() ? w.reinterpret(w.byteSize()) : w;
    }

    static CpuWeight of(Weight w) {
        if (w instanceof CpuWeight c) return c;
        throw new IllegalArgumentException("weight " + w.name() + " does not belong to the CPU backend");
    }

    MemorySegment data() { return data; }

    MemorySegment writableData() {
        // Copy whenever the bytes are still the checkpoint's — read-only mapping or not (llama2.c
        // files are loaded into writable aligned memory): an edit must never reach the checkpoint,
        // whose tensors are the base for identity hashes, exports and reverts.
        if (!owned) {
            MemorySegment copy = arena.allocate(data.byteSize(), 64);
            copy.copyFrom(data);
            data = oneClass(copy);
            owned = true;
        }
        return data;
    }

    @Override public String name() { return source.name(); }

    @Override public DType dtype() { return source.dtype(); }

    @Override public int rows() { return source.rank() == 1 ? 1 : source.rows(); }

    @Override public int cols() { return source.rank() == 1 ? Math.toIntExact(source.size()) : source.cols(); }

    /** The current values (edits included) under the source's name and shape. */
    @Override public Tensor source() { return new Tensor(source.name(), source.dtype(), source.shape(), data); }

    @Override public void close() {}
}
