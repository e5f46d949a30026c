package io.scalpel.backend.cpu;

import io.scalpel.tensor.DType;
import io.scalpel.tensor.Tensor;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;

/**
 * Dot products of quantized weight rows (Q8_0, Q4_0 here; Q4_K, Q6_K in {@link KQuantRowDot}, which
 * states its own layout and rule) with one fp32 activation row — the decode kernel for quantized weights.
 * The weights are read once, in their stored size, and each block's scale is applied once per block, not
 * once per element.
 *
 * <p><b>Summation rule</b> (docs/design.md, "Quantized decode"). Vectors have 8 float lanes. Within a
 * scale group (a Q8_0/Q4_0 block of 32) the integer
 * quants, converted to float exactly, are multiplied by x lane-wise: {@code s = q₀·x₀}, then
 * {@code s = fma(qᵢ, xᵢ, s)} for the group's next three 8-element vectors. Q4_0's vectors are the
 * elements in index order (0–7, 8–15, …); Q8_0's are the K-quants' layout (lane i of vector b holds
 * element 4i + b: the bytes of one 256-bit load split inside int lanes). The group then enters its
 * row's accumulator once: {@code acc = fma(s, scale, acc)}. Lanes are added left to right at the end.
 * This is not the reference's "decode each element to fp32, then dot": the rounding happens at
 * different places, so results agree with "reference-decode, then dot" to within
 * {@code (h + 2)·2⁻²⁴·Σ|termᵢ|}, with h ≤ k/32 + 12 the most roundings on any term's path (in its
 * group, in its accumulator, adding lanes) and termᵢ the products of x with the scaled quants —
 * {@code QuantKernelsTest} holds the kernels to that bound against a float64 dot. Interpreted and
 * compiled runs give the same bits (every step is an IEEE operation in a fixed order), and a row's
 * result does not depend on the rows beside it or the thread split.
 *
 * <p>Why this shape (measured, docs/benchmarks.md "Quantized GGUF"): the former kernel decoded every
 * element exactly as the reference does (byte → float, × scale, − min) before its FMA: ~0.3–0.4 ns per
 * weight, compute-bound at a third of the memory bandwidth. Every Vector API call is written out in the
 * kernel bodies on purpose: a helper method of ours is not force-inlined, and once a kernel's parse
 * reaches C2's inlining node budget the helper stays a call and its vectors are boxed (2–3× slower).
 * The blocks are unrolled by hand for 8 lanes: a loop over a block's four vectors was compiled as a
 * general loop (range checks, spills) and cost twice as much. 8 lanes because a Q8_0 block's 32 quants
 * are then one 256-bit load (Q4_0's 16 bytes two 8-byte loads); C2 keeps a bounds check before every
 * segment load in these loops, so at ~50 instructions per block the kernel was bound by instruction
 * count, and one load with in-lane shifts replaced four loads and four {@code vpmovsxbd}
 * (docs/benchmarks.md, "Q8_0 decode: one load per block"). On AVX-512 this runs on 256-bit registers, which is enough for a
 * matrix-vector product bounded by memory bandwidth; where 256-bit integer vectors are not available
 * ({@link #VECTOR} false) rows are decoded with the reference codec and dotted by {@link RowDot}.
 *
 * <p>Q8_0 and Q4_0 rows are read four per pass, a quarter of the caller's row range apart (four distant
 * forward streams sharing x's loads), from a view of one segment class ({@link CpuWeight#oneClass}, given
 * to every CPU weight). All were measured on Zen 3 (docs/benchmarks.md, "Q8_0 decode: one stream, one class
 * of segment", "… one load per block" and "Q8_0 decode: four rows a quarter apart"): four interleaved
 * 816-byte row streams of adjacent rows read from DRAM at ~half the rate of one, two distant streams faster
 * than one and four faster again (fifth wave: 1.07–1.24× the best GB/s of two at two threads), and a
 * kernel that had seen both the mapping's segments and an arena's was recompiled with a check around every
 * load (2.3–3× slower per weight).
 *
 * <p>Prefill keeps the exact decoded values: {@link QuantWiden} decodes into {@link Gemm}'s panels the
 * reference's values, which Gemm sums as one fma chain per output, so prefill equals "reference-decode,
 * then that chain" bit for bit and agrees with decode to within the bound above.
 */
final class QuantRowDot {
    private QuantRowDot() {}

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_256;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_256;
    /** 8 stored bytes, one per float lane. */
    private static final VectorSpecies<Byte> B = ByteVector.SPECIES_64;
    /** True where C2 compiles 256-bit integer vectors (AVX2, AVX-512, SVE ≥ 256). */
    static final boolean VECTOR = IntVector.SPECIES_PREFERRED.vectorBitSize() >= 256;

    /**
     * {@code out[outOff + j] = W[j,:] · x} for rows {@code j} in [from, to) of a quantized [n, k] weight;
     * {@code scratch} is the calling thread's own (the K-quant kernels lay x out there).
     */
    static void rows(MemorySegment w, DType dtype, int from, int to, int k, float[] x, int xOff, float[] out, int outOff, float[] scratch) {
        long rb = dtype.rowBytes(k);
        if (!VECTOR) {
            float[] row = new float[k];
            for (int j = from; j < to; j++) {
                dtype.codec().decodeRow(w, j * rb, k, row, 0);
                out[outOff + j] = RowDot.dot(row, 0, x, xOff, k);
            }
            return;
        }
        switch (dtype) {
            case Q8_0 -> {
                float[] xp = scratch != null && scratch.length >= KQuantRowDot.scratchFloats(k) ? scratch : new float[KQuantRowDot.scratchFloats(k)];
                KQuantRowDot.interleave(x, xOff, k, xp, false); // the K-quants' layout (its group sums, past k, go unused)
                // Rows j, j + q, j + 2q, j + 3q per pass: four distant forward streams (see q8_0x4).
                int q = (to - from) / 4;
                for (int j = from; j < from + q; j++) {
                    long r = j * rb, d = q * rb;
                    q8_0x4(w, r, r + d, r + 2 * d, r + 3 * d, k, xp, out, outOff + j, q);
                }
                // The rows left over (a chunk's last, at most 3): the same arithmetic, one row four times into one slot.
                for (int j = from + 4 * q; j < to; j++) q8_0x4(w, j * rb, j * rb, j * rb, j * rb, k, xp, out, outOff + j, 0);
            }
            case Q4_0 -> {
                // Rows j, j + q, j + 2q, j + 3q: four distant streams, as RowDot's (adjacent rows read slower from DRAM).
                int q = (to - from) / 4;
                for (int j = from; j < from + q; j++) {
                    long r = j * rb, d = q * rb;
                    q4_0x4(w, r, r + d, r + 2 * d, r + 3 * d, k, x, xOff, out, outOff + j, q);
                }
                // The rows left over: the same arithmetic, one row four times into one slot.
                for (int j = from + 4 * q; j < to; j++) q4_0x4(w, j * rb, j * rb, j * rb, j * rb, k, x, xOff, out, outOff + j, 0);
            }
            case Q4_K, Q6_K -> KQuantRowDot.rows(w, dtype, from, to, k, x, xOff, out, outOff, scratch);
            case F32, F16, BF16, I32 -> throw new IllegalArgumentException(dtype + " is not quantized");
        }
    }


    /** Floats of scratch a call of {@link #rows} uses for rows of {@code k} elements of {@code dtype}. */
    static int scratchFloats(DType dtype, int k) {
        return switch (dtype) {
            case Q8_0, Q4_K, Q6_K -> KQuantRowDot.scratchFloats(k);
            default -> 0;
        };
    }

    /**
     * Four Q8_0 rows, at bytes {@code r0..r3}, into {@code out[o + r·step]} (step 0: one row passed four times).
     * Per block of 34 bytes (fp16 d, 32 int8), a row's 32 quants are one 256-bit load of eight int lanes; byte
     * b of every lane (elements 4i + b) is {@code LSHL 24 − 8b}, then {@code ASHR 24} — exact sign extension,
     * two shifts instead of a load and a {@code vpmovsxbd} per 8 quants, and one bounds check instead of four.
     * s = Σ_b q_b·x'_b in 8 lanes (x' = {@link KQuantRowDot#interleave}), acc += s·d, lanes added left to
     * right. Each row has that arithmetic whatever rows it is read with, so its bits do not depend on the
     * pairing; the four share each block's x loads. The caller takes rows a quarter of its range apart: four forward streams far apart. Measured
     * against two rows half the range apart (the fourth wave's kernel), one JVM, interleaved, from DRAM, two
     * threads (docs/benchmarks.md, "Q8_0 decode: four rows a quarter apart"): k = 768 1.06–1.24× best GB/s,
     * k = 2048 0.98–1.08× best and 1.07–1.10× median; one thread 1.09×. The 16 ymm registers hold x's four
     * vectors, the four accumulators, a block's load and two temporaries.
     */
    private static void q8_0x4(MemorySegment w, long r0, long r1, long r2, long r3, int k, float[] xp, float[] out, int o, int step) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        for (int b = 0; b < k / 32; b++) {
            long bo = 34L * b + 2;
            int xb = 32 * b;
            FloatVector x0 = FloatVector.fromArray(F, xp, xb), x1 = FloatVector.fromArray(F, xp, xb + 8);
            FloatVector x2 = FloatVector.fromArray(F, xp, xb + 16), x3 = FloatVector.fromArray(F, xp, xb + 24);
            long q = r0 + bo;
            IntVector v = IntVector.fromMemorySegment(I, w, q, Widen.LE);
            FloatVector s = ((FloatVector) v.lanewise(VectorOperators.LSHL, 24).lanewise(VectorOperators.ASHR, 24).convert(VectorOperators.I2F, 0)).mul(x0);
            s = ((FloatVector) v.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 24).convert(VectorOperators.I2F, 0)).fma(x1, s);
            s = ((FloatVector) v.lanewise(VectorOperators.LSHL, 8).lanewise(VectorOperators.ASHR, 24).convert(VectorOperators.I2F, 0)).fma(x2, s);
            s = ((FloatVector) v.lanewise(VectorOperators.ASHR, 24).convert(VectorOperators.I2F, 0)).fma(x3, s);
            a0 = s.fma(FloatVector.broadcast(F, Float.float16ToFloat(w.get(Tensor.I16_LE, q - 2))), a0);
            q = r1 + bo;
            v = IntVector.fromMemorySegment(I, w, q, Widen.LE);
            s = ((FloatVector) v.lanewise(VectorOperators.LSHL, 24).lanewise(VectorOperators.ASHR, 24).convert(VectorOperators.I2F, 0)).mul(x0);
            s = ((FloatVector) v.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 24).convert(VectorOperators.I2F, 0)).fma(x1, s);
            s = ((FloatVector) v.lanewise(VectorOperators.LSHL, 8).lanewise(VectorOperators.ASHR, 24).convert(VectorOperators.I2F, 0)).fma(x2, s);
            s = ((FloatVector) v.lanewise(VectorOperators.ASHR, 24).convert(VectorOperators.I2F, 0)).fma(x3, s);
            a1 = s.fma(FloatVector.broadcast(F, Float.float16ToFloat(w.get(Tensor.I16_LE, q - 2))), a1);
            q = r2 + bo;
            v = IntVector.fromMemorySegment(I, w, q, Widen.LE);
            s = ((FloatVector) v.lanewise(VectorOperators.LSHL, 24).lanewise(VectorOperators.ASHR, 24).convert(VectorOperators.I2F, 0)).mul(x0);
            s = ((FloatVector) v.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 24).convert(VectorOperators.I2F, 0)).fma(x1, s);
            s = ((FloatVector) v.lanewise(VectorOperators.LSHL, 8).lanewise(VectorOperators.ASHR, 24).convert(VectorOperators.I2F, 0)).fma(x2, s);
            s = ((FloatVector) v.lanewise(VectorOperators.ASHR, 24).convert(VectorOperators.I2F, 0)).fma(x3, s);
            a2 = s.fma(FloatVector.broadcast(F, Float.float16ToFloat(w.get(Tensor.I16_LE, q - 2))), a2);
            q = r3 + bo;
            v = IntVector.fromMemorySegment(I, w, q, Widen.LE);
            s = ((FloatVector) v.lanewise(VectorOperators.LSHL, 24).lanewise(VectorOperators.ASHR, 24).convert(VectorOperators.I2F, 0)).mul(x0);
            s = ((FloatVector) v.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 24).convert(VectorOperators.I2F, 0)).fma(x1, s);
            s = ((FloatVector) v.lanewise(VectorOperators.LSHL, 8).lanewise(VectorOperators.ASHR, 24).convert(VectorOperators.I2F, 0)).fma(x2, s);
            s = ((FloatVector) v.lanewise(VectorOperators.ASHR, 24).convert(VectorOperators.I2F, 0)).fma(x3, s);
            a3 = s.fma(FloatVector.broadcast(F, Float.float16ToFloat(w.get(Tensor.I16_LE, q - 2))), a3);
        }
        float t0 = 0f, t1 = 0f, t2 = 0f, t3 = 0f;
        for (int l = 0; l < 8; l++) { // left to right: the same bits interpreted or compiled
            t0 += a0.lane(l);
            t1 += a1.lane(l);
            t2 += a2.lane(l);
            t3 += a3.lane(l);
        }
        out[o] = t0;
        out[o + step] = t1;
        out[o + 2 * step] = t2;
        out[o + 3 * step] = t3;
    }

    /**
     * Q4_0, rows at r0..r3 into {@code out[o + r·step]}: per block of 18 bytes (fp16 d, 16 bytes; byte j holds element j low and j+16
     * high, each stored + 8): s over elements 0–7, 8–15, 16–23, 24–31 in that order, acc += s·d.
     */
    private static void q4_0x4(MemorySegment w, long r0, long r1, long r2, long r3, int k, float[] x, int xOff, float[] out, int o, int step) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        for (int b = 0; b < k / 32; b++) {
            long bo = 18L * b;
            int xb = xOff + 32 * b;
            FloatVector x0 = FloatVector.fromArray(F, x, xb), x1 = FloatVector.fromArray(F, x, xb + 8);
            FloatVector x2 = FloatVector.fromArray(F, x, xb + 16), x3 = FloatVector.fromArray(F, x, xb + 24);
            long q = r0 + bo + 2;
            IntVector v = (IntVector) ByteVector.fromMemorySegment(B, w, q, Widen.LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
            IntVector u = (IntVector) ByteVector.fromMemorySegment(B, w, q + 8, Widen.LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
            FloatVector s = ((FloatVector) v.and(0xF).sub(8).convert(VectorOperators.I2F, 0)).mul(x0);
            s = ((FloatVector) u.and(0xF).sub(8).convert(VectorOperators.I2F, 0)).fma(x1, s);
            s = ((FloatVector) v.lanewise(VectorOperators.LSHR, 4).sub(8).convert(VectorOperators.I2F, 0)).fma(x2, s);
            s = ((FloatVector) u.lanewise(VectorOperators.LSHR, 4).sub(8).convert(VectorOperators.I2F, 0)).fma(x3, s);
            a0 = s.fma(FloatVector.broadcast(F, Float.float16ToFloat(w.get(Tensor.I16_LE, q - 2))), a0);
            q = r1 + bo + 2;
            v = (IntVector) ByteVector.fromMemorySegment(B, w, q, Widen.LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
            u = (IntVector) ByteVector.fromMemorySegment(B, w, q + 8, Widen.LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
            s = ((FloatVector) v.and(0xF).sub(8).convert(VectorOperators.I2F, 0)).mul(x0);
            s = ((FloatVector) u.and(0xF).sub(8).convert(VectorOperators.I2F, 0)).fma(x1, s);
            s = ((FloatVector) v.lanewise(VectorOperators.LSHR, 4).sub(8).convert(VectorOperators.I2F, 0)).fma(x2, s);
            s = ((FloatVector) u.lanewise(VectorOperators.LSHR, 4).sub(8).convert(VectorOperators.I2F, 0)).fma(x3, s);
            a1 = s.fma(FloatVector.broadcast(F, Float.float16ToFloat(w.get(Tensor.I16_LE, q - 2))), a1);
            q = r2 + bo + 2;
            v = (IntVector) ByteVector.fromMemorySegment(B, w, q, Widen.LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
            u = (IntVector) ByteVector.fromMemorySegment(B, w, q + 8, Widen.LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
            s = ((FloatVector) v.and(0xF).sub(8).convert(VectorOperators.I2F, 0)).mul(x0);
            s = ((FloatVector) u.and(0xF).sub(8).convert(VectorOperators.I2F, 0)).fma(x1, s);
            s = ((FloatVector) v.lanewise(VectorOperators.LSHR, 4).sub(8).convert(VectorOperators.I2F, 0)).fma(x2, s);
            s = ((FloatVector) u.lanewise(VectorOperators.LSHR, 4).sub(8).convert(VectorOperators.I2F, 0)).fma(x3, s);
            a2 = s.fma(FloatVector.broadcast(F, Float.float16ToFloat(w.get(Tensor.I16_LE, q - 2))), a2);
            q = r3 + bo + 2;
            v = (IntVector) ByteVector.fromMemorySegment(B, w, q, Widen.LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
            u = (IntVector) ByteVector.fromMemorySegment(B, w, q + 8, Widen.LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
            s = ((FloatVector) v.and(0xF).sub(8).convert(VectorOperators.I2F, 0)).mul(x0);
            s = ((FloatVector) u.and(0xF).sub(8).convert(VectorOperators.I2F, 0)).fma(x1, s);
            s = ((FloatVector) v.lanewise(VectorOperators.LSHR, 4).sub(8).convert(VectorOperators.I2F, 0)).fma(x2, s);
            s = ((FloatVector) u.lanewise(VectorOperators.LSHR, 4).sub(8).convert(VectorOperators.I2F, 0)).fma(x3, s);
            a3 = s.fma(FloatVector.broadcast(F, Float.float16ToFloat(w.get(Tensor.I16_LE, q - 2))), a3);
        }
        float t0 = 0f, t1 = 0f, t2 = 0f, t3 = 0f;
        for (int l = 0; l < 8; l++) { // left to right: the same bits interpreted or compiled
            t0 += a0.lane(l);
            t1 += a1.lane(l);
            t2 += a2.lane(l);
            t3 += a3.lane(l);
        }
        out[o] = t0;
        out[o + step] = t1;
        out[o + 2 * step] = t2;
        out[o + 3 * step] = t3;
    }
}
