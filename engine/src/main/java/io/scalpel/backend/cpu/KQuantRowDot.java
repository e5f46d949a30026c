package io.scalpel.backend.cpu;

import io.scalpel.tensor.DType;
import io.scalpel.tensor.Tensor;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;

/**
 * Dot products of K-quant weight rows (Q4_K, Q6_K, as stored) with one fp32 activation row — the decode
 * kernel for the super-block types of a Q4_K_M file.
 *
 * <p><b>How the work maps onto vectors.</b> The packed quants are read 32 bytes at a time as eight int
 * lanes, and the nibbles (Q4_K) or 6-bit fields (Q6_K) are split out inside each lane, so byte b of lane
 * i holds element 4i + b of a 32-element group. x is laid out once per call in that order
 * ({@link #interleave}: inside each group, {@code xp[8b + i] = x[4i + b]}), so every q·x product is
 * lane-aligned without moving a quant. Q4_K takes a nibble in place with one AND ({@code q & (0xF << 8b)},
 * i.e. 2⁸ᵇ times the nibble, converted exactly) and meets it with x stored times 2⁻⁸ᵇ, so the product is
 * nibble·x exactly; Q6_K sign-extends its assembled fields with two shifts. Per row, a first pass over
 * the super-blocks' scale bytes decodes all scales of a super-block at once in int lanes (Q4_K's get_scale_min_k4 for 8 sub-blocks, Q6_K's 16
 * int8 scales) into a small float table; the main pass reads them as broadcasts (Q4_K) or 8-lane vectors
 * (Q6_K, whose vector covers two sub-blocks of 16). Q4_K's min term needs only the sum of x over each
 * sub-block, the same for every row: {@link #interleave} computes those once per call, so each row adds
 * its mins with one fma per super-block.
 *
 * <p><b>Summation rule</b> (docs/design.md, "Quantized decode"). Within a group of 32 (a Q4_K sub-block;
 * a Q6_K group, i.e. two sub-blocks of 16 in lanes 0–3 and 4–7), {@code s = q₀·x₀}, then
 * {@code s = fma(q_b, x_b, s)} for b = 1..3 in the interleaved order; the group enters its row's
 * accumulator once, {@code acc = fma(s, d·sc, acc)} (Q6_K: one accumulator; Q4_K: {@code lo} for the
 * low-nibble sub-blocks, {@code hi} for the high ones). Q4_K's mins: {@code Σx_j} = the group's four
 * interleaved x vectors added lane-wise, then its lanes left to right; {@code mins = fma(dmin·m, Σx, mins)}
 * lane-wise over super-blocks (lane j = sub-block j); the row is {@code (lo + hi) − mins}, lanes added
 * left to right. Every term passes through at most h ≤ k/32 + 12 fp32 roundings (Q4_K's dot terms: 4 in
 * the group, k/64 in its accumulator, 2 combining, 7 adding lanes; its min terms: 10 in Σx, k/256 in
 * {@code mins}, 1 combining, 7 lanes; Q6_K's: 4, k/32, 7), which gives the bound
 * {@code (h + 2)·2⁻²⁴·Σ Mᵢ|xᵢ|} that {@code QuantKernelsTest} holds every row to against a float64 dot.
 * Q4_K's byte-scaled x is exact for |xᵢ| ≥ 2⁻¹⁰² (and for 0); each element below that (a subnormal once
 * scaled) adds at most 2⁻¹²²·|d·sc| (its sub-block's scale) to the error, as an underflowing product
 * would (tested too). Every step is an IEEE operation in a fixed order and a row's arithmetic reads only
 * its own bytes and x, so the bits do not depend on the thread split, the rows beside it or the JIT tier.
 *
 * <p><b>Vector width.</b> 256-bit vectors whatever {@code SPECIES_PREFERRED} is, because the layout is
 * built on 32-byte groups; on AVX-512 the kernels run on ymm registers (the same instructions as on
 * AVX2, so no slower than there). Without 256-bit integer vectors {@link QuantRowDot} never calls here.
 * Measured (docs/benchmarks.md, "K-quants"): one row per pass is faster than two sharing the x loads (the
 * x loads are memory operands of the FMAs; two rows spilled registers) and than two rows half the call's
 * range apart (Q8_0's pairing), and the kernels are kept in small loops — one super-block per iteration
 * overflowed C1's register allocator and the method never reached C2, and the scale decoding fused into
 * the chunk loop was slower (docs/benchmarks.md, "K-quant decode: fewer instructions per weight").
 */
final class KQuantRowDot {
    private KQuantRowDot() {}

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_256;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_256;
    /** 8 stored bytes, one per int lane. */
    private static final VectorSpecies<Byte> B = ByteVector.SPECIES_64;
    /** Lanes 4–7: the sub-blocks whose get_scale_min_k4 takes the high bits from other bytes. */
    private static final VectorMask<Integer> UPPER = VectorMask.fromLong(I, 0xF0);
    /**
     * Two-input rearranges (an index ≥ 8 takes lane index − 8 of the second vector) that put x[4i + b] of
     * two consecutive 8-float vectors into lanes 0–3 and, again, 4–7: {@code BYTE[b]} for byte b.
     */
    private static final VectorShuffle<Float> BYTE0 = VectorShuffle.fromValues(F, 0, 4, 8, 12, 0, 4, 8, 12);
    private static final VectorShuffle<Float> BYTE1 = VectorShuffle.fromValues(F, 1, 5, 9, 13, 1, 5, 9, 13);
    private static final VectorShuffle<Float> BYTE2 = VectorShuffle.fromValues(F, 2, 6, 10, 14, 2, 6, 10, 14);
    private static final VectorShuffle<Float> BYTE3 = VectorShuffle.fromValues(F, 3, 7, 11, 15, 3, 7, 11, 15);
    /** Lanes 4–7 of an 8-float vector. */
    private static final VectorMask<Float> HIGH = VectorMask.fromLong(F, 0xF0);
    /** Lane i reads element 8i: lane l of eight consecutive vectors. */
    private static final int[] STRIDE8 = {0, 8, 16, 24, 32, 40, 48, 56};

    /** Floats of scratch a call of {@link #rows} uses for a row length {@code k}. */
    static int scratchFloats(int k) {
        return k + k / 4 + k / 32 + k / 32; // interleaved x, per-group lane sums (Q4_K) or Q6_K's scale table, Σx, Q4_K's scale table
    }

    /**
     * {@code out[outOff + j] = W[j,:] · x} for rows {@code j} in [from, to) of a Q4_K or Q6_K [n, k] weight.
     * {@code scratch} (private to the calling thread) is used when it holds {@link #scratchFloats}(k).
     */
    static void rows(MemorySegment w, DType dtype, int from, int to, int k, float[] x, int xOff, float[] out, int outOff, float[] scratch) {
        long rb = dtype.rowBytes(k);
        int nb = k / 256;
        float[] s = scratch != null && scratch.length >= scratchFloats(k) ? scratch : new float[scratchFloats(k)];
        // s: [0, k) interleaved x; [k, k + k/4) per-group lane sums, then Q6_K's scale table; [k + k/4, + k/32) Σx; then Q4_K's scale table
        interleave(x, xOff, k, s, dtype == DType.Q4_K);
        switch (dtype) {
            case Q4_K -> { for (int j = from; j < to; j++) out[outOff + j] = q4k(w, j * rb, nb, s, k + k / 4 + k / 32); }
            case Q6_K -> { for (int j = from; j < to; j++) out[outOff + j] = q6k(w, j * rb, nb, s, k); }
            default -> throw new IllegalArgumentException(dtype + " is not a K-quant");
        }
    }

    /**
     * x in the order a 32-bit lane reads packed bytes: inside each group of 32, {@code s[8b + i] = x[4i + b]}
     * (b = byte of the lane, i = lane), so the quant in byte b of int lane i meets its x in lane i of the
     * group's b-th vector. With {@code byteScaled} (Q4_K) the b-th vector is stored times 2⁻⁸ᵇ, exactly (a
     * power of two) unless the product falls below 2⁻¹²⁶: the kernel then takes a nibble in place,
     * {@code q & (0xF << 8b)} = 2⁸ᵇ·nibble, and 2⁸ᵇ·nibble · 2⁻⁸ᵇ·x is the same product as nibble · x.
     * {@code s[k + k/4 + g]} = Σx of group g (of x itself, never scaled): its four vectors added lane-wise in
     * order, then the lanes left to right (lane g of a gather over eight groups' lane sums, so one
     * super-block's eight sums come out as one vector).
     */
    static void interleave(float[] x, int xOff, int k, float[] s, boolean byteScaled) {
        int lanes = k, sums = k + k / 4;
        float f1 = byteScaled ? 0x1p-8f : 1f, f2 = byteScaled ? 0x1p-16f : 1f, f3 = byteScaled ? 0x1p-24f : 1f;
        for (int g = 0; g < k / 32; g++) {
            int base = xOff + 32 * g, p = 32 * g;
            // four plain loads and in-register moves, where four gathers of every fourth x cost ~1.7x as much per call
            FloatVector a = FloatVector.fromArray(F, x, base), b = FloatVector.fromArray(F, x, base + 8);
            FloatVector c = FloatVector.fromArray(F, x, base + 16), d = FloatVector.fromArray(F, x, base + 24);
            FloatVector v0 = a.rearrange(BYTE0, b).blend(c.rearrange(BYTE0, d), HIGH), v1 = a.rearrange(BYTE1, b).blend(c.rearrange(BYTE1, d), HIGH);
            FloatVector v2 = a.rearrange(BYTE2, b).blend(c.rearrange(BYTE2, d), HIGH), v3 = a.rearrange(BYTE3, b).blend(c.rearrange(BYTE3, d), HIGH);
            v0.intoArray(s, p);
            v1.mul(f1).intoArray(s, p + 8);
            v2.mul(f2).intoArray(s, p + 16);
            v3.mul(f3).intoArray(s, p + 24);
            v0.add(v1).add(v2).add(v3).intoArray(s, lanes + 8 * g);
        }
        for (int b = 0; b < k / 256; b++) {
            int o = lanes + 64 * b;
            FloatVector t = FloatVector.fromArray(F, s, o, STRIDE8, 0);
            for (int l = 1; l < 8; l++) t = t.add(FloatVector.fromArray(F, s, o + l, STRIDE8, 0));
            t.intoArray(s, sums + 8 * b);
        }
    }

    /**
     * Pass 1 of a Q4_K row at byte {@code r} ({@code nb} super-blocks): get_scale_min_k4 for all 8 sub-blocks
     * of a super-block at once, in int lanes (three 8-byte loads of its scale bytes, lanes 4–7 blended in), so
     * {@code s[ds + 8b + j] = d·sc_j} (exact: an fp16 times a 6-bit integer). Returns the min terms
     * {@code Σ_b (dmin·m_j)·Σx_j}, one fma per super-block into lane j.
     */
    private static FloatVector q4kMins(MemorySegment w, long r, int nb, float[] s, int sx, int ds) {
        FloatVector macc = FloatVector.zero(F);
        for (int b = 0; b < nb; b++) {
            long bo = r + 144L * b;
            IntVector c0 = (IntVector) ByteVector.fromMemorySegment(B, w, bo, Widen.LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
            IntVector a0 = (IntVector) ByteVector.fromMemorySegment(B, w, bo + 4, Widen.LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
            IntVector b0 = (IntVector) ByteVector.fromMemorySegment(B, w, bo + 8, Widen.LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
            IntVector sc = a0.and(63).blend(b0.and(0xF).or(c0.lanewise(VectorOperators.LSHR, 6).lanewise(VectorOperators.LSHL, 4)), UPPER);
            IntVector mn = b0.and(63).blend(b0.lanewise(VectorOperators.LSHR, 4).or(a0.lanewise(VectorOperators.LSHR, 6).lanewise(VectorOperators.LSHL, 4)), UPPER);
            float d = Float.float16ToFloat(w.get(Tensor.I16_LE, bo)), dmin = Float.float16ToFloat(w.get(Tensor.I16_LE, bo + 2));
            ((FloatVector) sc.convert(VectorOperators.I2F, 0)).mul(d).intoArray(s, ds + 8 * b);
            macc = ((FloatVector) mn.convert(VectorOperators.I2F, 0)).mul(dmin).fma(FloatVector.fromArray(F, s, sx + 8 * b), macc);
        }
        return macc;
    }

    /** Lane masks of byte b's low nibble, {@code 0xF << 8b}, b = 0..3, eight lanes each (loaded once per row). */
    private static final int[] NIBBLE = {
        0xF, 0xF, 0xF, 0xF, 0xF, 0xF, 0xF, 0xF,
        0xF00, 0xF00, 0xF00, 0xF00, 0xF00, 0xF00, 0xF00, 0xF00,
        0xF0000, 0xF0000, 0xF0000, 0xF0000, 0xF0000, 0xF0000, 0xF0000, 0xF0000,
        0xF000000, 0xF000000, 0xF000000, 0xF000000, 0xF000000, 0xF000000, 0xF000000, 0xF000000};

    /**
     * One Q4_K row: per 64-element chunk u (32 bytes of qs, one 256-bit load), byte b of int lane i holds
     * element 4i + b of sub-block 2u (low nibble) and of 2u + 1 (high nibble), which meet x in the order
     * {@link #interleave} laid it out, byte-scaled. A nibble is taken in place, {@code q & (0xF << 8b)}
     * (the high ones from {@code q >>> 4}), and converted as 2⁸ᵇ·nibble, which x's 2⁻⁸ᵇ cancels exactly:
     * one AND per 8 elements with the four masks in registers, where a shift and a re-broadcast mask were
     * two more. The byte offset runs with the loop (+32 per chunk, +48 past a super-block's end). Low-nibble
     * sub-blocks accumulate in {@code lo}, high ones in {@code hi}.
     */
    private static float q4k(MemorySegment w, long r, int nb, float[] xp, int ds) {
        FloatVector mins = q4kMins(w, r, nb, xp, nb * 320, ds), lo = FloatVector.zero(F), hi = lo;
        IntVector m0 = IntVector.fromArray(I, NIBBLE, 0), m1 = IntVector.fromArray(I, NIBBLE, 8);
        IntVector m2 = IntVector.fromArray(I, NIBBLE, 16), m3 = IntVector.fromArray(I, NIBBLE, 24);
        long o = r + 16;
        for (int u = 0; u < 4 * nb; u++) {
            int xb = 64 * u;
            IntVector q = IntVector.fromMemorySegment(I, w, o, Widen.LE);
            FloatVector s = ((FloatVector) q.and(m0).convert(VectorOperators.I2F, 0)).mul(FloatVector.fromArray(F, xp, xb));
            s = ((FloatVector) q.and(m1).convert(VectorOperators.I2F, 0)).fma(FloatVector.fromArray(F, xp, xb + 8), s);
            s = ((FloatVector) q.and(m2).convert(VectorOperators.I2F, 0)).fma(FloatVector.fromArray(F, xp, xb + 16), s);
            s = ((FloatVector) q.and(m3).convert(VectorOperators.I2F, 0)).fma(FloatVector.fromArray(F, xp, xb + 24), s);
            lo = s.fma(FloatVector.broadcast(F, xp[ds + 2 * u]), lo);
            IntVector h = q.lanewise(VectorOperators.LSHR, 4);
            s = ((FloatVector) h.and(m0).convert(VectorOperators.I2F, 0)).mul(FloatVector.fromArray(F, xp, xb + 32));
            s = ((FloatVector) h.and(m1).convert(VectorOperators.I2F, 0)).fma(FloatVector.fromArray(F, xp, xb + 40), s);
            s = ((FloatVector) h.and(m2).convert(VectorOperators.I2F, 0)).fma(FloatVector.fromArray(F, xp, xb + 48), s);
            s = ((FloatVector) h.and(m3).convert(VectorOperators.I2F, 0)).fma(FloatVector.fromArray(F, xp, xb + 56), s);
            hi = s.fma(FloatVector.broadcast(F, xp[ds + 2 * u + 1]), hi);
            o += (u & 3) == 3 ? 48 : 32; // the next chunk, or past the next super-block's 16 header bytes
        }
        FloatVector a = lo.add(hi).sub(mins);
        float t = 0f;
        for (int l = 0; l < 8; l++) t += a.lane(l);
        return t;
    }


    /** Lanes 0–3 from scale 2g, lanes 4–7 from scale 2g + 1. */
    private static final VectorShuffle<Float> PAIR0 = VectorShuffle.fromValues(F, 0, 0, 0, 0, 1, 1, 1, 1);
    private static final VectorShuffle<Float> PAIR1 = VectorShuffle.fromValues(F, 2, 2, 2, 2, 3, 3, 3, 3);
    private static final VectorShuffle<Float> PAIR2 = VectorShuffle.fromValues(F, 4, 4, 4, 4, 5, 5, 5, 5);
    private static final VectorShuffle<Float> PAIR3 = VectorShuffle.fromValues(F, 6, 6, 6, 6, 7, 7, 7, 7);

    /** Pass 1 of a Q6_K row: for half u and group g, {@code s[ds + 32u + 8g ..]} = d·sc of sub-blocks 2g (lanes 0–3) and 2g + 1 (lanes 4–7) of the half. */
    private static void q6kScales(MemorySegment w, long r, int nb, float[] s, int ds) {
        for (int u = 0; u < 2 * nb; u++) {
            long bo = r + 210L * (u >> 1), h = u & 1;
            float d = Float.float16ToFloat(w.get(Tensor.I16_LE, bo + 208));
            FloatVector sc = ((FloatVector) ByteVector.fromMemorySegment(B, w, bo + 192 + 8 * h, Widen.LE).convertShape(VectorOperators.B2F, F, 0)).mul(d);
            sc.rearrange(PAIR0).intoArray(s, ds + 32 * u);
            sc.rearrange(PAIR1).intoArray(s, ds + 32 * u + 8);
            sc.rearrange(PAIR2).intoArray(s, ds + 32 * u + 16);
            sc.rearrange(PAIR3).intoArray(s, ds + 32 * u + 24);
        }
    }

    /**
     * One Q6_K row: per half u of a super-block, three 256-bit loads (ql[0..32), ql[32..64), qh[0..32)); byte
     * b of int lane i gives element 4i + b of each of the half's four groups of 32 (low/high nibbles of the
     * two ql vectors, bit pairs of qh). The 6-bit field is assembled in each byte and sign-extended from
     * there with q − 32 folded in (qh's bit pairs XOR 0b10 flip bit 5 of the field: q ⊕ 32 is q − 32 in
     * 6-bit two's complement). Lanes 0–3 of a group's vector are one sub-block of 16, lanes 4–7 the next,
     * so a group enters the accumulator once, scaled lane-wise by the two sub-blocks' d·sc.
     */
    private static float q6k(MemorySegment w, long r, int nb, float[] xp, int ds) {
        q6kScales(w, r, nb, xp, ds);
        FloatVector acc = FloatVector.zero(F);
        for (int u = 0; u < 2 * nb; u++) {
            long bo = r + 210L * (u >> 1), h = u & 1;
            int xb = 128 * u;
            IntVector lo = IntVector.fromMemorySegment(I, w, bo + 64 * h, Widen.LE);
            IntVector up = IntVector.fromMemorySegment(I, w, bo + 64 * h + 32, Widen.LE);
            IntVector qh = IntVector.fromMemorySegment(I, w, bo + 128 + 32 * h, Widen.LE);
            IntVector hx = qh.lanewise(VectorOperators.XOR, 0xAAAAAAAA); // bit 1 of every 2-bit pair flipped: q − 32 as a signed 6-bit field once moved to bits 4–5
            IntVector v = lo.and(0x0F0F0F0F).or(hx.lanewise(VectorOperators.LSHL, 4).and(0x30303030));
            FloatVector s = ((FloatVector) v.lanewise(VectorOperators.LSHL, 26).lanewise(VectorOperators.ASHR, 26).convert(VectorOperators.I2F, 0)).mul(FloatVector.fromArray(F, xp, xb));
            s = ((FloatVector) v.lanewise(VectorOperators.LSHL, 18).lanewise(VectorOperators.ASHR, 26).convert(VectorOperators.I2F, 0)).fma(FloatVector.fromArray(F, xp, xb + 8), s);
            s = ((FloatVector) v.lanewise(VectorOperators.LSHL, 10).lanewise(VectorOperators.ASHR, 26).convert(VectorOperators.I2F, 0)).fma(FloatVector.fromArray(F, xp, xb + 16), s);
            s = ((FloatVector) v.lanewise(VectorOperators.LSHL, 2).lanewise(VectorOperators.ASHR, 26).convert(VectorOperators.I2F, 0)).fma(FloatVector.fromArray(F, xp, xb + 24), s);
            acc = s.fma(FloatVector.fromArray(F, xp, ds + 32 * u), acc);
            v = up.and(0x0F0F0F0F).or(hx.lanewise(VectorOperators.LSHL, 2).and(0x30303030));
            s = ((FloatVector) v.lanewise(VectorOperators.LSHL, 26).lanewise(VectorOperators.ASHR, 26).convert(VectorOperators.I2F, 0)).mul(FloatVector.fromArray(F, xp, xb + 32));
            s = ((FloatVector) v.lanewise(VectorOperators.LSHL, 18).lanewise(VectorOperators.ASHR, 26).convert(VectorOperators.I2F, 0)).fma(FloatVector.fromArray(F, xp, xb + 40), s);
            s = ((FloatVector) v.lanewise(VectorOperators.LSHL, 10).lanewise(VectorOperators.ASHR, 26).convert(VectorOperators.I2F, 0)).fma(FloatVector.fromArray(F, xp, xb + 48), s);
            s = ((FloatVector) v.lanewise(VectorOperators.LSHL, 2).lanewise(VectorOperators.ASHR, 26).convert(VectorOperators.I2F, 0)).fma(FloatVector.fromArray(F, xp, xb + 56), s);
            acc = s.fma(FloatVector.fromArray(F, xp, ds + 32 * u + 8), acc);
            v = lo.lanewise(VectorOperators.LSHR, 4).and(0x0F0F0F0F).or(hx.and(0x30303030));
            s = ((FloatVector) v.lanewise(VectorOperators.LSHL, 26).lanewise(VectorOperators.ASHR, 26).convert(VectorOperators.I2F, 0)).mul(FloatVector.fromArray(F, xp, xb + 64));
            s = ((FloatVector) v.lanewise(VectorOperators.LSHL, 18).lanewise(VectorOperators.ASHR, 26).convert(VectorOperators.I2F, 0)).fma(FloatVector.fromArray(F, xp, xb + 72), s);
            s = ((FloatVector) v.lanewise(VectorOperators.LSHL, 10).lanewise(VectorOperators.ASHR, 26).convert(VectorOperators.I2F, 0)).fma(FloatVector.fromArray(F, xp, xb + 80), s);
            s = ((FloatVector) v.lanewise(VectorOperators.LSHL, 2).lanewise(VectorOperators.ASHR, 26).convert(VectorOperators.I2F, 0)).fma(FloatVector.fromArray(F, xp, xb + 88), s);
            acc = s.fma(FloatVector.fromArray(F, xp, ds + 32 * u + 16), acc);
            v = up.lanewise(VectorOperators.LSHR, 4).and(0x0F0F0F0F).or(hx.lanewise(VectorOperators.LSHR, 2).and(0x30303030));
            s = ((FloatVector) v.lanewise(VectorOperators.LSHL, 26).lanewise(VectorOperators.ASHR, 26).convert(VectorOperators.I2F, 0)).mul(FloatVector.fromArray(F, xp, xb + 96));
            s = ((FloatVector) v.lanewise(VectorOperators.LSHL, 18).lanewise(VectorOperators.ASHR, 26).convert(VectorOperators.I2F, 0)).fma(FloatVector.fromArray(F, xp, xb + 104), s);
            s = ((FloatVector) v.lanewise(VectorOperators.LSHL, 10).lanewise(VectorOperators.ASHR, 26).convert(VectorOperators.I2F, 0)).fma(FloatVector.fromArray(F, xp, xb + 112), s);
            s = ((FloatVector) v.lanewise(VectorOperators.LSHL, 2).lanewise(VectorOperators.ASHR, 26).convert(VectorOperators.I2F, 0)).fma(FloatVector.fromArray(F, xp, xb + 120), s);
            acc = s.fma(FloatVector.fromArray(F, xp, ds + 32 * u + 24), acc);
        }
        float t = 0f;
        for (int l = 0; l < 8; l++) t += acc.lane(l);
        return t;
    }
}
