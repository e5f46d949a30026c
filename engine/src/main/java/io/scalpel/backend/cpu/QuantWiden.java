package io.scalpel.backend.cpu;

import io.scalpel.tensor.DType;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * A quantized weight row decoded to fp32 — what prefill panels ({@link GemmPack}), embeddings and the
 * surgery's row scans read. Bit-identical to the reference codec: Q8_0/Q4_0 through {@link QuantBlocks},
 * F.length() elements per step; Q4_K/Q6_K super-blocks here, 8 per step (a 1B Q4_K prefill went from 13.7
 * to 21.6 tokens per CPU-second with them, against the former per-vector helpers: docs/benchmarks.md, "K-quants").
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

    private static final VectorSpecies<Float> F8 = FloatVector.SPECIES_256;
    private static final VectorSpecies<Integer> I8 = IntVector.SPECIES_256;
    /** 8 stored bytes, one per int lane. */
    private static final VectorSpecies<Byte> B8 = ByteVector.SPECIES_64;
    private static final ValueLayout.OfInt I32_LE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /*
     * The K-quant super-blocks are decoded in 8-lane (256-bit) vectors whatever F is: 8 stored bytes are
     * zero-extended into int lanes (one vpmovzxbd), split into nibbles or 6-bit fields with int shifts and
     * masks, converted and scaled, element order kept, so each vector is stored straight into the panel.
     * The arithmetic is the reference codec's, operation for operation ((d·sc)·q − dmin·m for Q4_K,
     * (d·sc)·(q − 32) for Q6_K; d·sc and dmin·m are exact), so the values are its bits. Every Vector API call
     * is written out here: a helper returning a vector that C2 does not inline boxes it.
     */

    /**
     * Decodes the Q4_K super-block at byte {@code bo} into {@code dst[y .. y+256)}. The 12 scale bytes are
     * unpacked as three little-endian ints (llama.cpp's get_scale_min_k4 for all 8 sub-blocks at once):
     * byte j of {@code sc} is sub-block j's 6-bit scale, byte j of {@code mn} its 6-bit min.
     */
    static void q4kBlock(MemorySegment w, long bo, float[] dst, int y) {
        int u0 = w.get(I32_LE, bo + 4), u1 = w.get(I32_LE, bo + 8), u2 = w.get(I32_LE, bo + 12);
        long sc = (u0 & 0x3F3F3F3FL) | (long) ((u2 & 0x0F0F0F0F) | (((u0 >>> 6) & 0x03030303) << 4)) << 32;
        long mn = (u1 & 0x3F3F3F3FL) | (long) (((u2 >>> 4) & 0x0F0F0F0F) | (((u1 >>> 6) & 0x03030303) << 4)) << 32;
        float d = QuantBlocks.half(w, bo), dmin = QuantBlocks.half(w, bo + 2);
        for (int c = 0; c < 4; c++) {
            FloatVector d1 = FloatVector.broadcast(F8, d * (int) ((sc >>> 16 * c) & 0xFF)), m1 = FloatVector.broadcast(F8, dmin * (int) ((mn >>> 16 * c) & 0xFF));
            FloatVector d2 = FloatVector.broadcast(F8, d * (int) ((sc >>> 16 * c + 8) & 0xFF)), m2 = FloatVector.broadcast(F8, dmin * (int) ((mn >>> 16 * c + 8) & 0xFF));
            long qs = bo + 16 + 32L * c;
            int o = y + 64 * c;
            IntVector v = (IntVector) ByteVector.fromMemorySegment(B8, w, qs, Widen.LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I8, 0);
            ((FloatVector) v.and(0xF).convert(VectorOperators.I2F, 0)).mul(d1).sub(m1).intoArray(dst, o);
            ((FloatVector) v.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0)).mul(d2).sub(m2).intoArray(dst, o + 32);
            v = (IntVector) ByteVector.fromMemorySegment(B8, w, qs + 8, Widen.LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I8, 0);
            ((FloatVector) v.and(0xF).convert(VectorOperators.I2F, 0)).mul(d1).sub(m1).intoArray(dst, o + 8);
            ((FloatVector) v.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0)).mul(d2).sub(m2).intoArray(dst, o + 40);
            v = (IntVector) ByteVector.fromMemorySegment(B8, w, qs + 16, Widen.LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I8, 0);
            ((FloatVector) v.and(0xF).convert(VectorOperators.I2F, 0)).mul(d1).sub(m1).intoArray(dst, o + 16);
            ((FloatVector) v.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0)).mul(d2).sub(m2).intoArray(dst, o + 48);
            v = (IntVector) ByteVector.fromMemorySegment(B8, w, qs + 24, Widen.LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I8, 0);
            ((FloatVector) v.and(0xF).convert(VectorOperators.I2F, 0)).mul(d1).sub(m1).intoArray(dst, o + 24);
            ((FloatVector) v.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0)).mul(d2).sub(m2).intoArray(dst, o + 56);
        }
    }

    /**
     * Decodes the Q6_K super-block at byte {@code bo} into {@code dst[y .. y+256)}: per half and per 8
     * positions l, one load each of ql[l], ql[32 + l] and qh[l] gives elements l, l+32, l+64, l+96.
     */
    static void q6kBlock(MemorySegment w, long bo, float[] dst, int y) {
        float d = QuantBlocks.half(w, bo + 208);
        for (int t = 0; t < 8; t++) { // half t >> 2, positions l = 8·(t & 3) .. + 8, sub-block pair is = (t >> 1) & 1
            int h = t >> 2, l = 8 * (t & 3), o = y + 128 * h + l;
            long ql = bo + 64L * h + l, qh = bo + 128 + 32L * h + l, sc = bo + 192 + 8L * h + ((t >> 1) & 1);
            IntVector a = (IntVector) ByteVector.fromMemorySegment(B8, w, ql, Widen.LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I8, 0);
            IntVector b = (IntVector) ByteVector.fromMemorySegment(B8, w, ql + 32, Widen.LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I8, 0);
            IntVector hb = (IntVector) ByteVector.fromMemorySegment(B8, w, qh, Widen.LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I8, 0);
            ((FloatVector) a.and(0xF).or(hb.lanewise(VectorOperators.LSHL, 4).and(0x30)).sub(32).convert(VectorOperators.I2F, 0))
                    .mul(d * QuantBlocks.i8(w, sc)).intoArray(dst, o);
            ((FloatVector) b.and(0xF).or(hb.lanewise(VectorOperators.LSHL, 2).and(0x30)).sub(32).convert(VectorOperators.I2F, 0))
                    .mul(d * QuantBlocks.i8(w, sc + 2)).intoArray(dst, o + 32);
            ((FloatVector) a.lanewise(VectorOperators.LSHR, 4).or(hb.and(0x30)).sub(32).convert(VectorOperators.I2F, 0))
                    .mul(d * QuantBlocks.i8(w, sc + 4)).intoArray(dst, o + 64);
            ((FloatVector) b.lanewise(VectorOperators.LSHR, 4).or(hb.lanewise(VectorOperators.LSHR, 2).and(0x30)).sub(32).convert(VectorOperators.I2F, 0))
                    .mul(d * QuantBlocks.i8(w, sc + 6)).intoArray(dst, o + 96);
        }
    }
}
