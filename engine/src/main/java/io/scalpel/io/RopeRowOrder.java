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

    /**
     * Interleaved → rotate_half within {@code t}'s own bytes, which must be writable memory nobody else
     * reads yet (a reader's private copy of the file): one head at a time through a head-sized buffer, so
     * the matrix is not held twice. Returns a read-only view of the same bytes.
     */
    public static Tensor toRotateHalfInPlace(Tensor t, int heads) {
        int rows = rows(t, heads);
        long rowBytes = t.data().byteSize() / rows;
        int headDim = rows / heads;
        try (Arena scratch = Arena.ofConfined()) {
            MemorySegment head = scratch.allocate(headDim * rowBytes, 64);
            for (int h = 0; h < heads; h++) {
                MemorySegment rowsOfHead = t.data().asSlice(h * headDim * rowBytes, headDim * rowBytes);
                permuteHead(rowsOfHead, head, headDim, rowBytes, true);
                rowsOfHead.copyFrom(head);
            }
        }
        return new Tensor(t.name(), t.dtype(), t.shape(), t.data().asReadOnly());
    }

    private static Tensor permute(Tensor t, int heads, Arena arena, boolean toRotateHalf) {
        int rows = rows(t, heads);
        long rowBytes = t.data().byteSize() / rows;
        int headDim = rows / heads;
        MemorySegment out = arena.allocate(t.data().byteSize(), 64);
        for (int h = 0; h < heads; h++) {
            long headBytes = headDim * rowBytes;
            permuteHead(t.data().asSlice(h * headBytes, headBytes), out.asSlice(h * headBytes, headBytes), headDim, rowBytes, toRotateHalf);
        }
        return new Tensor(t.name(), t.dtype(), t.shape(), out.asReadOnly());
    }

    private static int rows(Tensor t, int heads) {
        int rows = t.rank() == 1 ? Math.toIntExact(t.size()) : t.rows();
        if (rows % heads != 0 || rows / heads % 2 != 0) {
            throw new IllegalArgumentException("tensor " + t.name() + ": " + rows + " rows do not split into " + heads + " heads of even size");
        }
        return rows;
    }

    /** One head's {@code headDim} rows from {@code in} to {@code out} in the other order. */
    private static void permuteHead(MemorySegment in, MemorySegment out, int headDim, long rowBytes, boolean toRotateHalf) {
        int half = headDim / 2;
        for (int i = 0; i < half; i++) {
            long even = 2L * i, odd = 2L * i + 1, first = i, second = half + i;
            if (toRotateHalf) {
                MemorySegment.copy(in, even * rowBytes, out, first * rowBytes, rowBytes);
                MemorySegment.copy(in, odd * rowBytes, out, second * rowBytes, rowBytes);
            } else {
                MemorySegment.copy(in, first * rowBytes, out, even * rowBytes, rowBytes);
                MemorySegment.copy(in, second * rowBytes, out, odd * rowBytes, rowBytes);
            }
        }
    }
}
