package io.scalpel.backend.cpu;

import io.scalpel.tensor.DType;
import io.scalpel.tensor.Tensor;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

/**
 * Dot products of one stored weight row with fp32 activations, and row widening — the inner loop of
 * every matrix product on the CPU. Four independent accumulators hide FMA latency; BF16 widens in
 * vector registers (a 16-bit shift), F16 through the scalar intrinsic into a per-thread scratch row.
 */
final class RowDot {
    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    /** Shorts with as many lanes as {@link #F}: one 16-bit weight per float lane. */
    static final VectorSpecies<Short> S = ShortVector.SPECIES_PREFERRED.withShape(VectorShape.forBitSize(F.vectorBitSize() / 2));
    static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED.withShape(F.vectorShape());
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    private RowDot() {}

    /** Σ w[row, 0..k) · x[xOff .. xOff+k) with w an F32 row starting at byte {@code wOff}. */
    static float dotF32(MemorySegment w, long wOff, float[] x, int xOff, int k) {
        int L = F.length();
        FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F), a2 = FloatVector.zero(F), a3 = FloatVector.zero(F);
        int i = 0;
        for (; i + 4 * L <= k; i += 4 * L) {
            a0 = FloatVector.fromMemorySegment(F, w, wOff + 4L * i, LE).fma(FloatVector.fromArray(F, x, xOff + i), a0);
            a1 = FloatVector.fromMemorySegment(F, w, wOff + 4L * (i + L), LE).fma(FloatVector.fromArray(F, x, xOff + i + L), a1);
            a2 = FloatVector.fromMemorySegment(F, w, wOff + 4L * (i + 2 * L), LE).fma(FloatVector.fromArray(F, x, xOff + i + 2 * L), a2);
            a3 = FloatVector.fromMemorySegment(F, w, wOff + 4L * (i + 3 * L), LE).fma(FloatVector.fromArray(F, x, xOff + i + 3 * L), a3);
        }
        for (; i + L <= k; i += L) {
            a0 = FloatVector.fromMemorySegment(F, w, wOff + 4L * i, LE).fma(FloatVector.fromArray(F, x, xOff + i), a0);
        }
        float sum = sumLanes(a0.add(a1).add(a2.add(a3)));
        for (; i < k; i++) sum += w.get(Tensor.F32_LE, wOff + 4L * i) * x[xOff + i];
        return sum;
    }

    /** As {@link #dotF32} for a BF16 row: widened in registers by shifting the bits 16 left. */
    static float dotBf16(MemorySegment w, long wOff, float[] x, int xOff, int k) {
        int L = F.length();
        FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F);
        int i = 0;
        for (; i + 2 * L <= k; i += 2 * L) {
            a0 = bf16(w, wOff + 2L * i).fma(FloatVector.fromArray(F, x, xOff + i), a0);
            a1 = bf16(w, wOff + 2L * (i + L)).fma(FloatVector.fromArray(F, x, xOff + i + L), a1);
        }
        for (; i + L <= k; i += L) a0 = bf16(w, wOff + 2L * i).fma(FloatVector.fromArray(F, x, xOff + i), a0);
        float sum = sumLanes(a0.add(a1));
        for (; i < k; i++) sum += Float.intBitsToFloat((w.get(Tensor.I16_LE, wOff + 2L * i) & 0xFFFF) << 16) * x[xOff + i];
        return sum;
    }

    private static FloatVector bf16(MemorySegment w, long byteOff) {
        ShortVector s = ShortVector.fromMemorySegment(S, w, byteOff, LE);
        IntVector widened = (IntVector) s.convertShape(VectorOperators.S2I, I, 0);
        return widened.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }

    /**
     * Adds the lanes left to right. {@code reduceLanes(ADD)} may associate differently when
     * interpreted and when compiled, which made the same forward pass differ in the last bit between
     * its first and later runs; a fixed order keeps results reproducible (revert tests compare bits).
     */
    static float sumLanes(FloatVector v) {
        float s = 0f;
        for (int i = 0; i < v.length(); i++) s += v.lane(i);
        return s;
    }

    /** Σ a[aOff..aOff+k) · b[bOff..bOff+k), both fp32 on the heap. */
    static float dot(float[] a, int aOff, float[] b, int bOff, int k) {
        int L = F.length();
        FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F);
        int i = 0;
        for (; i + 2 * L <= k; i += 2 * L) {
            a0 = FloatVector.fromArray(F, a, aOff + i).fma(FloatVector.fromArray(F, b, bOff + i), a0);
            a1 = FloatVector.fromArray(F, a, aOff + i + L).fma(FloatVector.fromArray(F, b, bOff + i + L), a1);
        }
        for (; i + L <= k; i += L) a0 = FloatVector.fromArray(F, a, aOff + i).fma(FloatVector.fromArray(F, b, bOff + i), a0);
        float sum = sumLanes(a0.add(a1));
        for (; i < k; i++) sum += a[aOff + i] * b[bOff + i];
        return sum;
    }

    /** Widens stored row {@code row} of a [rows, k] weight into {@code dst[0..k)}. */
    static void widenRow(MemorySegment w, DType dtype, long row, int k, float[] dst) {
        long off = row * k * dtype.bytes();
        switch (dtype) {
            case F32 -> MemorySegment.copy(w, Tensor.F32_LE, off, dst, 0, k);
            case BF16 -> {
                int L = F.length(), i = 0;
                for (; i + L <= k; i += L) bf16(w, off + 2L * i).intoArray(dst, i);
                for (; i < k; i++) dst[i] = Float.intBitsToFloat((w.get(Tensor.I16_LE, off + 2L * i) & 0xFFFF) << 16);
            }
            case F16 -> {
                for (int i = 0; i < k; i++) dst[i] = Float.float16ToFloat(w.get(Tensor.I16_LE, off + 2L * i));
            }
            case I32 -> throw new IllegalArgumentException("I32 weights have no float rows");
        }
    }
}
