package io.scalpel.backend.cpu;

import io.scalpel.tensor.DType;
import jdk.incubator.vector.FloatVector;

import java.lang.foreign.MemorySegment;

/**
 * Dot products of quantized weight rows (Q8_0, Q4_0, Q4_K, Q6_K, as stored) with one fp32 activation
 * row — the decode kernel for quantized weights. Blocks are decoded in registers ({@link QuantBlocks})
 * and multiplied straight into the accumulators; nothing is written to memory, so a row costs only its
 * stored bytes of bandwidth. Four rows at a time share each load of x and give four FMA chains.
 *
 * <p>Summation order is {@link RowDot}'s (one accumulator per row over k in steps of F.length(),
 * lanes added left to right), and the decoded values are the reference codec's, so a row's result is
 * bit-identical to "decode with the reference, then {@link RowDot#dot}" — and to the prefill path,
 * which decodes rows with {@link QuantWiden} and runs {@link TileDot}.
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
                case Q4_K -> { for (; j + 4 <= to; j += 4) q4_kx4(w, j * rb, rb, k, x, xOff, out, outOff + j); }
                case Q6_K -> { for (; j + 4 <= to; j += 4) q6_kx4(w, j * rb, rb, k, x, xOff, out, outOff + j); }
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

    private static void q4_kx4(MemorySegment w, long r0, long rb, int k, float[] x, int xOff, float[] out, int o) {
        int L = QuantBlocks.F.length();
        long[] r = {r0, r0 + rb, r0 + 2 * rb, r0 + 3 * rb};
        float[] ds = new float[8], dm = new float[8]; // (row, sub-block of the chunk) scales, hoisted out of the lanes loop
        FloatVector a0 = FloatVector.zero(QuantBlocks.F), a1 = a0, a2 = a0, a3 = a0;
        for (int b = 0; b < k / 256; b++) {
            long bo = 144L * b;
            for (int c = 0; c < 4; c++) {
                for (int q = 0; q < 4; q++) {
                    long blk = r[q] + bo, sc = blk + 4;
                    float d = QuantBlocks.half(w, blk), dmin = QuantBlocks.half(w, blk + 2);
                    ds[2 * q] = d * QuantBlocks.q4kScale(w, sc, 2 * c);
                    dm[2 * q] = dmin * QuantBlocks.q4kMin(w, sc, 2 * c);
                    ds[2 * q + 1] = d * QuantBlocks.q4kScale(w, sc, 2 * c + 1);
                    dm[2 * q + 1] = dmin * QuantBlocks.q4kMin(w, sc, 2 * c + 1);
                }
                long qs = bo + 16 + 32L * c;
                int xc = xOff + 256 * b + 64 * c;
                for (int e = 0; e < 64; e += L) {
                    int s = e < 32 ? 0 : 1;
                    FloatVector xv = FloatVector.fromArray(QuantBlocks.F, x, xc + e);
                    a0 = QuantBlocks.q4_k(w, r[0] + qs, e, ds[s], dm[s]).fma(xv, a0);
                    a1 = QuantBlocks.q4_k(w, r[1] + qs, e, ds[2 + s], dm[2 + s]).fma(xv, a1);
                    a2 = QuantBlocks.q4_k(w, r[2] + qs, e, ds[4 + s], dm[4 + s]).fma(xv, a2);
                    a3 = QuantBlocks.q4_k(w, r[3] + qs, e, ds[6 + s], dm[6 + s]).fma(xv, a3);
                }
            }
        }
        out[o] = sum(a0);
        out[o + 1] = sum(a1);
        out[o + 2] = sum(a2);
        out[o + 3] = sum(a3);
    }

    private static void q6_kx4(MemorySegment w, long r0, long rb, int k, float[] x, int xOff, float[] out, int o) {
        int L = QuantBlocks.F.length();
        long r1 = r0 + rb, r2 = r1 + rb, r3 = r2 + rb;
        FloatVector a0 = FloatVector.zero(QuantBlocks.F), a1 = a0, a2 = a0, a3 = a0;
        for (int b = 0; b < k / 256; b++) {
            long bo = 210L * b;
            float d0 = QuantBlocks.half(w, r0 + bo + 208), d1 = QuantBlocks.half(w, r1 + bo + 208);
            float d2 = QuantBlocks.half(w, r2 + bo + 208), d3 = QuantBlocks.half(w, r3 + bo + 208);
            for (int h = 0; h < 2; h++) {
                long ql = bo + 64L * h, qh = bo + 128 + 32L * h, sc = bo + 192 + 8L * h;
                int xh = xOff + 256 * b + 128 * h;
                for (int g = 0; g < 4; g++) {
                    for (int l = 0; l < 32; l += L) {
                        long s = sc + l / 16 + 2 * g;
                        FloatVector xv = FloatVector.fromArray(QuantBlocks.F, x, xh + 32 * g + l);
                        a0 = QuantBlocks.q6_k(w, r0 + ql, r0 + qh, g, l, d0 * QuantBlocks.i8(w, r0 + s)).fma(xv, a0);
                        a1 = QuantBlocks.q6_k(w, r1 + ql, r1 + qh, g, l, d1 * QuantBlocks.i8(w, r1 + s)).fma(xv, a1);
                        a2 = QuantBlocks.q6_k(w, r2 + ql, r2 + qh, g, l, d2 * QuantBlocks.i8(w, r2 + s)).fma(xv, a2);
                        a3 = QuantBlocks.q6_k(w, r3 + ql, r3 + qh, g, l, d3 * QuantBlocks.i8(w, r3 + s)).fma(xv, a3);
                    }
                }
            }
        }
        out[o] = sum(a0);
        out[o + 1] = sum(a1);
        out[o + 2] = sum(a2);
        out[o + 3] = sum(a3);
    }
}
