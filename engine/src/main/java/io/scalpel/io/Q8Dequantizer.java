package io.scalpel.io;

import io.scalpel.tensor.Tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Expands ggml's Q8_0 blocks to fp32. A block is 34 bytes: an fp16 scale d, then 32 signed bytes q;
 * element i of the block is d * q[i]. The engine has no Q8_0 kernels, so Q8_0 is widened once at load.
 */
final class Q8Dequantizer {
    static final int BLOCK = 32;
    static final int BLOCK_BYTES = 34;

    private Q8Dequantizer() {}

    static MemorySegment toF32(MemorySegment blocks, long elements, Arena arena) {
        long nBlocks = elements / BLOCK;
        MemorySegment out = arena.allocate(elements * Float.BYTES, Float.BYTES);
        byte[] q = new byte[BLOCK];
        float[] f = new float[BLOCK];
        for (long b = 0; b < nBlocks; b++) {
            long at = b * BLOCK_BYTES;
            float scale = Float.float16ToFloat(blocks.get(Tensor.I16_LE, at));
            MemorySegment.copy(blocks, ValueLayout.JAVA_BYTE, at + 2, q, 0, BLOCK);
            for (int i = 0; i < BLOCK; i++) f[i] = scale * q[i];
            MemorySegment.copy(f, 0, out, Tensor.F32_LE, b * BLOCK * Float.BYTES, BLOCK);
        }
        return out;
    }
}
