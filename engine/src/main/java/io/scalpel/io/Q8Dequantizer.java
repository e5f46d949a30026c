package io.scalpel.io;

import io.scalpel.tensor.Tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Expands ggml's Q8_0 blocks to fp32. A block is 34 bytes: a little-endian fp16 scale d, then 32 signed
 * bytes q; element i of the block is d * q[i]. The engine has no Q8_0 kernels, so Q8_0 is widened once at
 * load. Blocks are processed in chunks through heap buffers so the per-call cost of segment copies is
 * spread over many blocks.
 */
final class Q8Dequantizer {
    static final int BLOCK = 32;
    static final int BLOCK_BYTES = 34;
    private static final int CHUNK_BLOCKS = 1024;

    private Q8Dequantizer() {}

    static MemorySegment toF32(MemorySegment blocks, long elements, Arena arena) {
        long nBlocks = elements / BLOCK;
        MemorySegment out = arena.allocate(elements * Float.BYTES, Float.BYTES);
        byte[] in = new byte[CHUNK_BLOCKS * BLOCK_BYTES];
        float[] values = new float[CHUNK_BLOCKS * BLOCK];
        for (long first = 0; first < nBlocks; first += CHUNK_BLOCKS) {
            int n = (int) Math.min(CHUNK_BLOCKS, nBlocks - first);
            MemorySegment.copy(blocks, ValueLayout.JAVA_BYTE, first * BLOCK_BYTES, in, 0, n * BLOCK_BYTES);
            for (int b = 0; b < n; b++) {
                int at = b * BLOCK_BYTES;
                float scale = Float.float16ToFloat((short) ((in[at] & 0xFF) | (in[at + 1] << 8)));
                for (int i = 0; i < BLOCK; i++) values[b * BLOCK + i] = scale * in[at + 2 + i];
            }
            MemorySegment.copy(values, 0, out, Tensor.F32_LE, first * BLOCK * Float.BYTES, n * BLOCK);
        }
        return out;
    }
}
