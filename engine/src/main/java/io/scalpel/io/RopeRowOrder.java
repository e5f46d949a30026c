package io.scalpel.io;

import io.scalpel.tensor.Tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * The two orders of q/k rows within each head: GGUF {@code llama} and llama2.c pair rows (2i, 2i+1)
 * ("interleaved"), Hugging Face and the engine pair (i, i + headDim/2) ("rotate_half"). Rows move
 * as whole byte ranges, so any stored type — quantized blocks included — is permuted exactly. Works
 * for matrices (rows are output features), bias vectors and LoRA B matrices alike.
 */
public final class RopeRowOrder {
    private RopeRowOrder() {}

    /** Interleaved → rotate_half (what readers do at load). */
    public static Tensor toRotateHalf(Tensor t, int heads, Arena arena) { return permute(t, heads, arena, true); }

    /** rotate_half → interleaved (what a GGUF writer does, as llama.cpp's converter does). */
    public static Tensor toInterleaved(Tensor t, int heads, Arena arena) { return permute(t, heads, arena, false); }

    private static Tensor permute(Tensor t, int heads, Arena arena, boolean toRotateHalf) {
        int rows = t.rank() == 1 ? Math.toIntExact(t.size()) : t.rows();
        if (rows % heads != 0 || rows / heads % 2 != 0) {
            throw new IllegalArgumentException("tensor " + t.name() + ": " + rows + " rows do not split into " + heads + " heads of even size");
        }
        long rowBytes = t.data().byteSize() / rows;
        int headDim = rows / heads;
        int half = headDim / 2;
        MemorySegment out = arena.allocate(t.data().byteSize(), 64);
        for (int h = 0; h < heads; h++) {
            long base = (long) h * headDim;
            for (int i = 0; i < half; i++) {
                long even = base + 2L * i, odd = base + 2L * i + 1, first = base + i, second = base + half + i;
                if (toRotateHalf) {
                    MemorySegment.copy(t.data(), even * rowBytes, out, first * rowBytes, rowBytes);
                    MemorySegment.copy(t.data(), odd * rowBytes, out, second * rowBytes, rowBytes);
                } else {
                    MemorySegment.copy(t.data(), first * rowBytes, out, even * rowBytes, rowBytes);
                    MemorySegment.copy(t.data(), second * rowBytes, out, odd * rowBytes, rowBytes);
                }
            }
        }
        return new Tensor(t.name(), t.dtype(), t.shape(), out.asReadOnly());
    }
}
