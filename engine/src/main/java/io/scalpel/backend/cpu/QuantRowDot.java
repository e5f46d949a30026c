package io.scalpel.backend.cpu;

import io.scalpel.tensor.DType;
import jdk.incubator.vector.FloatVector;

import java.lang.foreign.MemorySegment;

/**
 * Dot products of quantized weight rows (Q8_0, Q4_0, Q4_K, Q6_K, as stored) with one fp32 activation
 * row — the decode kernel for quantized weights. Q8_0 and Q4_0 blocks are decoded in registers
 * ({@link QuantBlocks}) and multiplied straight into the accumulators; K-quant super-blocks are decoded
 * into a 4 KB scratch that stays in L1 and dotted from there. Either way the weights are read from memory
 * once, in their stored size. Four rows at a time share each load of x and give four FMA chains.
 *
 * <p>Summation order is {@link RowDot}'s (one accumulator per row over k in steps of F.length(),
 * lanes added left to right), and the decoded values are the reference codec's, so a row's result is
 * bit-identical to "decode with the reference, then {@link RowDot#dot}". Prefill decodes rows with
 * {@link QuantWiden} into {@link Gemm}'s panels and sums in its own order.
 *
 * <p>Alternative measured (docs/benchmarks.md, "Quantized GGUF"): quantizing x to 8 bits per block
 * and multiplying integers, as llama.cpp does. Without 8-bit multiply-add-pairs in the Vector API,
 * the integer products need two widenings and the float path stays ahead.
 */
final class QuantRowDot {
    private QuantRowDot() {}

    /** {@code out[outOff + j] = W[j,:] · x} for rows {@code j} in [from, to) of a quantized [n, k] weight. */
    static void rows(MemorySegment w, DType dtype, int from, int to, int k, float[] x, int xOff, float[] out, int outOff) {
        long rb = dtype.rowBytes(k);
        int j = from;
        if (QuantBlocks.VECTOR) {
            switch (dtype) {
                case Q8_0 -> { for (; j + 4 <= to; j += 4) q8_0x4(w, j * rb, rb, k, x, xOff, out, outOff + j); }
                case Q4_0 -> { for (; j + 4 <= to; j += 4) q4_0x4(w, j * rb, rb, k, x, xOff, out, outOff + j); }
                case Q4_K, Q6_K -> {
                    float[] scratch = new float[4 * 256]; // once per chunk of rows
                    for (; j + 4 <= to; j += 4) kQuantx4(w, dtype == DType.Q4_K, j * rb, rb, k, x, xOff, out, outOff + j, scratch);
                }
                case F32, F16, BF16, I32 -> throw new IllegalArgumentException(dtype + " is not quantized");
            }
        }
        if (j < to) {
            float[] row = new float[k]; // only for the last rows of an n not divisible by 4
            for (; j < to; j++) {
                QuantWiden.row(w, dtype, j, k, row, 0);
                out[outOff + j] = RowDot.dot(row, 0, x, xOff, k);
            }
        }
    }

    private static float sum(FloatVector acc) {
        float r = 0f;
        for (int l = 0; l < acc.length(); l++) r += acc.lane(l); // left to right: the same bits interpreted or compiled
        return r;
    }

    private static void q8_0x4(MemorySegment w, long r0, long rb, int k, float[] x, int xOff, float[] out, int o) {
        int L = QuantBlocks.F.length();
        long r1 = r0 + rb, r2 = r1 + rb, r3 = r2 + rb;
        FloatVector a0 = FloatVector.zero(QuantBlocks.F), a1 = a0, a2 = a0, a3 = a0;
        for (int b = 0; b < k / 32; b++) {
            long bo = 34L * b;
            float d0 = QuantBlocks.half(w, r0 + bo), d1 = QuantBlocks.half(w, r1 + bo);
            float d2 = QuantBlocks.half(w, r2 + bo), d3 = QuantBlocks.half(w, r3 + bo);
            for (int i = 0; i < 32; i += L) {
                FloatVector xv = FloatVector.fromArray(QuantBlocks.F, x, xOff + 32 * b + i);
                a0 = QuantBlocks.q8_0(w, r0 + bo, i, d0).fma(xv, a0);
                a1 = QuantBlocks.q8_0(w, r1 + bo, i, d1).fma(xv, a1);
                a2 = QuantBlocks.q8_0(w, r2 + bo, i, d2).fma(xv, a2);
                a3 = QuantBlocks.q8_0(w, r3 + bo, i, d3).fma(xv, a3);
            }
        }
        out[o] = sum(a0);
        out[o + 1] = sum(a1);
        out[o + 2] = sum(a2);
        out[o + 3] = sum(a3);
    }

    private static void q4_0x4(MemorySegment w, long r0, long rb, int k, float[] x, int xOff, float[] out, int o) {
        int L = QuantBlocks.F.length();
        long r1 = r0 + rb, r2 = r1 + rb, r3 = r2 + rb;
        FloatVector a0 = FloatVector.zero(QuantBlocks.F), a1 = a0, a2 = a0, a3 = a0;
        for (int b = 0; b < k / 32; b++) {
            long bo = 18L * b;
            float d0 = QuantBlocks.half(w, r0 + bo), d1 = QuantBlocks.half(w, r1 + bo);
            float d2 = QuantBlocks.half(w, r2 + bo), d3 = QuantBlocks.half(w, r3 + bo);
            for (int i = 0; i < 32; i += L) {
                FloatVector xv = FloatVector.fromArray(QuantBlocks.F, x, xOff + 32 * b + i);
                a0 = QuantBlocks.q4_0(w, r0 + bo, i, d0).fma(xv, a0);
                a1 = QuantBlocks.q4_0(w, r1 + bo, i, d1).fma(xv, a1);
                a2 = QuantBlocks.q4_0(w, r2 + bo, i, d2).fma(xv, a2);
                a3 = QuantBlocks.q4_0(w, r3 + bo, i, d3).fma(xv, a3);
            }
        }
        out[o] = sum(a0);
        out[o + 1] = sum(a1);
        out[o + 2] = sum(a2);
        out[o + 3] = sum(a3);
    }

    /**
     * The K-quants (256-element super-blocks with per-sub-block scales): each super-block of the four rows is
     * decoded into a 4 × 256 scratch in L1 ({@link QuantWiden}), then dotted in the package order. Decoding
     * in the FMA loop itself, as Q8_0/Q4_0 do, made a loop body C2 would not inline its helpers into
     * (measured ~30× slower: the vectors were boxed).
     */
    private static void kQuantx4(MemorySegment w, boolean q4k, long r0, long rb, int k, float[] x, int xOff, float[] out, int o, float[] scratch) {
        int L = QuantBlocks.F.length();
        int blockBytes = q4k ? 144 : 210;
        FloatVector a0 = FloatVector.zero(QuantBlocks.F), a1 = a0, a2 = a0, a3 = a0;
        for (int b = 0; b < k / 256; b++) {
            for (int r = 0; r < 4; r++) {
                long bo = r0 + r * rb + (long) blockBytes * b;
                if (q4k) QuantWiden.q4kBlock(w, bo, scratch, 256 * r);
                else QuantWiden.q6kBlock(w, bo, scratch, 256 * r);
            }
            int xb = xOff + 256 * b;
            for (int i = 0; i < 256; i += L) {
                FloatVector xv = FloatVector.fromArray(QuantBlocks.F, x, xb + i);
                a0 = FloatVector.fromArray(QuantBlocks.F, scratch, i).fma(xv, a0);
                a1 = FloatVector.fromArray(QuantBlocks.F, scratch, 256 + i).fma(xv, a1);
                a2 = FloatVector.fromArray(QuantBlocks.F, scratch, 512 + i).fma(xv, a2);
                a3 = FloatVector.fromArray(QuantBlocks.F, scratch, 768 + i).fma(xv, a3);
            }
        }
        out[o] = sum(a0);
        out[o + 1] = sum(a1);
        out[o + 2] = sum(a2);
        out[o + 3] = sum(a3);
    }
}
