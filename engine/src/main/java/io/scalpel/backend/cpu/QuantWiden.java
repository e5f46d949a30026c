package io.scalpel.backend.cpu;

import io.scalpel.tensor.DType;

import java.lang.foreign.MemorySegment;

/**
 * A quantized weight row decoded to fp32 — what prefill panels ({@link GemmPack}), embeddings and the
 * surgery's row scans read. Bit-identical to the reference codec ({@link QuantBlocks}), F.length()
 * elements per step.
 */
final class QuantWiden {
    private QuantWiden() {}

    /**
     * Decodes the {@code k} elements (whole blocks) stored from byte {@code off} into
     * {@code dst[dstOff .. dstOff+k)} — a row, or a block-aligned stretch of one (prefill's K-blocks, {@link GemmPack}).
     */
    static void blocks(MemorySegment w, DType dtype, long off, int k, float[] dst, int dstOff) {
        if (!QuantBlocks.VECTOR) {
            dtype.codec().decodeRow(w, off, k, dst, dstOff);
            return;
        }
        int L = QuantBlocks.F.length();
        switch (dtype) {
            case Q8_0 -> {
                for (int b = 0; b < k / 32; b++) {
                    long bo = off + 34L * b;
                    float d = QuantBlocks.half(w, bo);
                    for (int i = 0; i < 32; i += L) QuantBlocks.q8_0(w, bo, i, d).intoArray(dst, dstOff + 32 * b + i);
                }
            }
            case Q4_0 -> {
                for (int b = 0; b < k / 32; b++) {
                    long bo = off + 18L * b;
                    float d = QuantBlocks.half(w, bo);
                    for (int i = 0; i < 32; i += L) QuantBlocks.q4_0(w, bo, i, d).intoArray(dst, dstOff + 32 * b + i);
                }
            }
            case Q4_K -> { for (int b = 0; b < k / 256; b++) q4kBlock(w, off + 144L * b, dst, dstOff + 256 * b); }
            case Q6_K -> { for (int b = 0; b < k / 256; b++) q6kBlock(w, off + 210L * b, dst, dstOff + 256 * b); }
            case F32, F16, BF16, I32 -> throw new IllegalArgumentException(dtype + " is not quantized");
        }
    }

    /** Decodes the Q4_K super-block at byte {@code bo} into {@code dst[y .. y+256)}. */
    static void q4kBlock(MemorySegment w, long bo, float[] dst, int y) {
        int L = QuantBlocks.F.length();
        long sc = bo + 4;
        float d = QuantBlocks.half(w, bo), dmin = QuantBlocks.half(w, bo + 2);
        for (int c = 0; c < 4; c++) {
            float d1 = d * QuantBlocks.q4kScale(w, sc, 2 * c), m1 = dmin * QuantBlocks.q4kMin(w, sc, 2 * c);
            float d2 = d * QuantBlocks.q4kScale(w, sc, 2 * c + 1), m2 = dmin * QuantBlocks.q4kMin(w, sc, 2 * c + 1);
            long qs = bo + 16 + 32L * c;
            for (int e = 0; e < 32; e += L) QuantBlocks.q4_k(w, qs, e, d1, m1).intoArray(dst, y + 64 * c + e);
            for (int e = 32; e < 64; e += L) QuantBlocks.q4_k(w, qs, e, d2, m2).intoArray(dst, y + 64 * c + e);
        }
    }

    /** Decodes the Q6_K super-block at byte {@code bo} into {@code dst[y .. y+256)}. */
    static void q6kBlock(MemorySegment w, long bo, float[] dst, int y) {
        int L = QuantBlocks.F.length();
        float d = QuantBlocks.half(w, bo + 208);
        for (int h = 0; h < 2; h++) {
            long ql = bo + 64L * h, qh = bo + 128 + 32L * h, sc = bo + 192 + 8L * h;
            for (int g = 0; g < 4; g++) {
                for (int l = 0; l < 32; l += L) {
                    float ds = d * QuantBlocks.i8(w, sc + l / 16 + 2 * g);
                    QuantBlocks.q6_k(w, ql, qh, g, l, ds).intoArray(dst, y + 128 * h + 32 * g + l);
                }
            }
        }
    }
}
