package io.scalpel.backend.cpu;

import io.scalpel.tensor.DType;
import io.scalpel.tensor.Tensor;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Dot products of K-quant weight rows (Q4_K, Q6_K, as stored) with one fp32 activation row — the decode
 * kernel for the super-block types of a Q4_K_M file. The summation rule, its rounding bound and why the
 * kernels are written out by hand are {@link QuantRowDot}'s (docs/design.md, "Quantized decode").
 */
final class KQuantRowDot {
    private KQuantRowDot() {}

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_256;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_256;
    /** 8 stored bytes, one per float lane. */
    private static final VectorSpecies<Byte> B = ByteVector.SPECIES_64;
    private static final ValueLayout.OfByte I8 = ValueLayout.JAVA_BYTE;

    /** {@code out[outOff + j] = W[j,:] · x} for rows {@code j} in [from, to) of a Q4_K or Q6_K [n, k] weight (QuantRowDot checked VECTOR). */
    static void rows(MemorySegment w, DType dtype, int from, int to, int k, float[] x, int xOff, float[] out, int outOff) {
        long rb = dtype.rowBytes(k);
        switch (dtype) {
            case Q4_K -> { for (int j = from; j < to; j++) out[outOff + j] = q4k(w, j * rb, k, x, xOff); }
            case Q6_K -> { for (int j = from; j < to; j++) out[outOff + j] = q6k(w, j * rb, k, x, xOff); }
            default -> throw new IllegalArgumentException(dtype + " is not a K-quant");
        }
    }

    /**
     * One Q4_K row at byte {@code r}: per 64-element chunk c of a 144-byte super-block (32 bytes of qs,
     * sub-block 2c in the low nibbles, 2c+1 in the high ones), s_lo and s_hi over the chunk's four 8-element
     * stretches in order; acc_lo += s_lo·d·sc_{2c}, acc_lo += Σx_lo·(−dmin·m_{2c}), acc_hi likewise for
     * 2c+1. Two accumulators keep two FMA chains in flight; they are added (lo + hi) before the lanes.
     */
    private static float q4k(MemorySegment w, long r, int k, float[] x, int xOff) {
        FloatVector lo = FloatVector.zero(F), hi = lo;
        for (int u = 0; u < k / 64; u++) {
            int c = u & 3, j = 2 * c;
            long bo = r + 144L * (u >> 2), sc = bo + 4;
            // get_scale_min_k4 for sub-blocks j and j + 1, written out: a call here would spill every vector register
            int scLo, mLo, scHi, mHi;
            if (c < 2) {
                scLo = w.get(I8, sc + j) & 63;
                mLo = w.get(I8, sc + j + 4) & 63;
                scHi = w.get(I8, sc + j + 1) & 63;
                mHi = w.get(I8, sc + j + 5) & 63;
            } else {
                scLo = (w.get(I8, sc + j + 4) & 0xF) | (((w.get(I8, sc + j - 4) & 0xFF) >>> 6) << 4);
                mLo = ((w.get(I8, sc + j + 4) & 0xFF) >>> 4) | (((w.get(I8, sc + j) & 0xFF) >>> 6) << 4);
                scHi = (w.get(I8, sc + j + 5) & 0xF) | (((w.get(I8, sc + j - 3) & 0xFF) >>> 6) << 4);
                mHi = ((w.get(I8, sc + j + 5) & 0xFF) >>> 4) | (((w.get(I8, sc + j + 1) & 0xFF) >>> 6) << 4);
            }
            float d = Float.float16ToFloat(w.get(Tensor.I16_LE, bo)), dmin = Float.float16ToFloat(w.get(Tensor.I16_LE, bo + 2));
            long q = bo + 16 + 32L * c;
            int xb = xOff + 64 * u;
            FloatVector x0 = FloatVector.fromArray(F, x, xb), x1 = FloatVector.fromArray(F, x, xb + 8);
            FloatVector x2 = FloatVector.fromArray(F, x, xb + 16), x3 = FloatVector.fromArray(F, x, xb + 24);
            FloatVector y0 = FloatVector.fromArray(F, x, xb + 32), y1 = FloatVector.fromArray(F, x, xb + 40);
            FloatVector y2 = FloatVector.fromArray(F, x, xb + 48), y3 = FloatVector.fromArray(F, x, xb + 56);
            IntVector v = (IntVector) ByteVector.fromMemorySegment(B, w, q, Widen.LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
            FloatVector sl = ((FloatVector) v.and(0xF).convert(VectorOperators.I2F, 0)).mul(x0);
            FloatVector sh = ((FloatVector) v.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0)).mul(y0);
            v = (IntVector) ByteVector.fromMemorySegment(B, w, q + 8, Widen.LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
            sl = ((FloatVector) v.and(0xF).convert(VectorOperators.I2F, 0)).fma(x1, sl);
            sh = ((FloatVector) v.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0)).fma(y1, sh);
            v = (IntVector) ByteVector.fromMemorySegment(B, w, q + 16, Widen.LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
            sl = ((FloatVector) v.and(0xF).convert(VectorOperators.I2F, 0)).fma(x2, sl);
            sh = ((FloatVector) v.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0)).fma(y2, sh);
            v = (IntVector) ByteVector.fromMemorySegment(B, w, q + 24, Widen.LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
            sl = ((FloatVector) v.and(0xF).convert(VectorOperators.I2F, 0)).fma(x3, sl);
            sh = ((FloatVector) v.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0)).fma(y3, sh);
            lo = sl.fma(FloatVector.broadcast(F, d * scLo), lo);
            lo = x0.add(x1).add(x2).add(x3).fma(FloatVector.broadcast(F, -(dmin * mLo)), lo);
            hi = sh.fma(FloatVector.broadcast(F, d * scHi), hi);
            hi = y0.add(y1).add(y2).add(y3).fma(FloatVector.broadcast(F, -(dmin * mHi)), hi);
        }
        FloatVector a = lo.add(hi);
        float t = 0f;
        for (int l = 0; l < 8; l++) t += a.lane(l); // left to right: the same bits interpreted or compiled
        return t;
    }

    /**
     * One Q6_K row at byte {@code r}: per unit of 64 elements (half h of a 210-byte super-block, sub-block
     * pair is = 0, 1: elements 16·is .. 16·is+16 of each of the half's four groups of 32), each group's
     * sub-block of 16 gives s = q·x over its two 8-element stretches and enters acc_g += s·d·scale.
     * Four accumulators (one per group), added ((g0 + g1) + g2) + g3 before the lanes.
     */
    private static float q6k(MemorySegment w, long r, int k, float[] x, int xOff) {
        FloatVector g0 = FloatVector.zero(F), g1 = g0, g2 = g0, g3 = g0;
        for (int u = 0; u < k / 64; u++) {
            int h = (u >> 1) & 1, is = u & 1;
            long bo = r + 210L * (u >> 2);
            float d = Float.float16ToFloat(w.get(Tensor.I16_LE, bo + 208));
            long ql = bo + 64L * h + 16 * is, qh = bo + 128 + 32L * h + 16 * is, sc = bo + 192 + 8L * h + is;
            int xb = xOff + 256 * (u >> 2) + 128 * h + 16 * is;
            IntVector a0 = (IntVector) ByteVector.fromMemorySegment(B, w, ql, Widen.LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
            IntVector a1 = (IntVector) ByteVector.fromMemorySegment(B, w, ql + 8, Widen.LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
            IntVector b0 = (IntVector) ByteVector.fromMemorySegment(B, w, ql + 32, Widen.LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
            IntVector b1 = (IntVector) ByteVector.fromMemorySegment(B, w, ql + 40, Widen.LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
            IntVector h0 = (IntVector) ByteVector.fromMemorySegment(B, w, qh, Widen.LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
            IntVector h1 = (IntVector) ByteVector.fromMemorySegment(B, w, qh + 8, Widen.LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
            // group 0: low nibble of ql[l], qh bits 0-1
            FloatVector s = ((FloatVector) a0.and(0xF).or(h0.lanewise(VectorOperators.LSHL, 4).and(0x30)).sub(32).convert(VectorOperators.I2F, 0))
                    .mul(FloatVector.fromArray(F, x, xb));
            s = ((FloatVector) a1.and(0xF).or(h1.lanewise(VectorOperators.LSHL, 4).and(0x30)).sub(32).convert(VectorOperators.I2F, 0))
                    .fma(FloatVector.fromArray(F, x, xb + 8), s);
            g0 = s.fma(FloatVector.broadcast(F, d * w.get(I8, sc)), g0);
            // group 1: low nibble of ql[32 + l], qh bits 2-3
            s = ((FloatVector) b0.and(0xF).or(h0.lanewise(VectorOperators.LSHL, 2).and(0x30)).sub(32).convert(VectorOperators.I2F, 0))
                    .mul(FloatVector.fromArray(F, x, xb + 32));
            s = ((FloatVector) b1.and(0xF).or(h1.lanewise(VectorOperators.LSHL, 2).and(0x30)).sub(32).convert(VectorOperators.I2F, 0))
                    .fma(FloatVector.fromArray(F, x, xb + 40), s);
            g1 = s.fma(FloatVector.broadcast(F, d * w.get(I8, sc + 2)), g1);
            // group 2: high nibble of ql[l], qh bits 4-5
            s = ((FloatVector) a0.lanewise(VectorOperators.LSHR, 4).or(h0.and(0x30)).sub(32).convert(VectorOperators.I2F, 0))
                    .mul(FloatVector.fromArray(F, x, xb + 64));
            s = ((FloatVector) a1.lanewise(VectorOperators.LSHR, 4).or(h1.and(0x30)).sub(32).convert(VectorOperators.I2F, 0))
                    .fma(FloatVector.fromArray(F, x, xb + 72), s);
            g2 = s.fma(FloatVector.broadcast(F, d * w.get(I8, sc + 4)), g2);
            // group 3: high nibble of ql[32 + l], qh bits 6-7
            s = ((FloatVector) b0.lanewise(VectorOperators.LSHR, 4).or(h0.lanewise(VectorOperators.LSHR, 2).and(0x30)).sub(32).convert(VectorOperators.I2F, 0))
                    .mul(FloatVector.fromArray(F, x, xb + 96));
            s = ((FloatVector) b1.lanewise(VectorOperators.LSHR, 4).or(h1.lanewise(VectorOperators.LSHR, 2).and(0x30)).sub(32).convert(VectorOperators.I2F, 0))
                    .fma(FloatVector.fromArray(F, x, xb + 104), s);
            g3 = s.fma(FloatVector.broadcast(F, d * w.get(I8, sc + 6)), g3);
        }
        FloatVector a = g0.add(g1).add(g2).add(g3);
        float t = 0f;
        for (int l = 0; l < 8; l++) t += a.lane(l); // left to right: the same bits interpreted or compiled
        return t;
    }
}
