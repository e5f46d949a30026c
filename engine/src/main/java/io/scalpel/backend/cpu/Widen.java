package io.scalpel.backend.cpu;

import io.scalpel.tensor.DType;
import io.scalpel.tensor.Tensor;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

/**
 * Stored 16-bit weights to fp32, exactly. BF16 is the top half of an fp32: a 16-bit left shift in
 * vector registers. F16 has no Vector-API conversion in JDK 25; the streaming paths
 * ({@link #f16Rows4}, {@link #f16Run}, {@link #row}) are plain {@code Float.float16ToFloat} loops that
 * C2 compiles to the CPU's conversion instruction, vectorised (see docs/design.md). The register form
 * {@link #f16} — scaling the shifted magnitude bits by 2¹¹² re-biases the exponent (and turns subnormal
 * halves into normal floats) in one exact multiply, and a blend restores infinities and quiet NaNs — is
 * kept for short vectors inside other kernels (norm gains, biases) that have no scratch to widen into.
 */
final class Widen {
    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    /** Shorts with as many lanes as {@link #F}: one 16-bit weight per float lane. */
    static final VectorSpecies<Short> S = ShortVector.SPECIES_PREFERRED.withShape(VectorShape.forBitSize(F.vectorBitSize() / 2));
    static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED.withShape(F.vectorShape());
    static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    /** Elements of each of four rows {@link #f16Rows4} widens per call: 4 × 512 floats = 8 KiB, well inside L1. */
    static final int CHUNK = 512;

    private Widen() {}

    /** F.length() BF16 weights at {@code byteOff} as fp32. */
    static FloatVector bf16(MemorySegment w, long byteOff) {
        IntVector h = (IntVector) ShortVector.fromMemorySegment(S, w, byteOff, LE).convertShape(VectorOperators.S2I, I, 0);
        return h.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }

    /** F.length() F16 weights at {@code byteOff} as fp32, bit-identical to {@link Float#float16ToFloat}. */
    static FloatVector f16(MemorySegment w, long byteOff) {
        IntVector h = (IntVector) ShortVector.fromMemorySegment(S, w, byteOff, LE).convertShape(VectorOperators.S2I, I, 0);
        IntVector magnitude = h.and(0x7FFF).lanewise(VectorOperators.LSHL, 13);
        IntVector scaled = magnitude.reinterpretAsFloats().mul(0x1p112f).reinterpretAsInts();
        VectorMask<Integer> infOrNaN = h.and(0x7C00).compare(VectorOperators.EQ, 0x7C00);
        VectorMask<Integer> nan = h.and(0x7FFF).compare(VectorOperators.GT, 0x7C00);
        // Infinities and NaNs keep their payload under the all-ones exponent; NaNs come out quiet, as the scalar conversion does.
        IntVector special = magnitude.or(0x7F800000);
        IntVector bits = scaled.blend(special, infOrNaN).blend(special.or(0x00400000), nan);
        return bits.or(h.and(0x8000).lanewise(VectorOperators.LSHL, 16)).reinterpretAsFloats();
    }

    /**
     * Widens {@code n} elements of each of four F16 rows ({@code rowBytes} apart, the first at byte
     * {@code off}, {@code n <= CHUNK}) into {@code dst} at {@code 0, CHUNK, 2·CHUNK, 3·CHUNK}. A plain
     * loop on purpose: C2 turns {@code Float.float16ToFloat} into the CPU's conversion instruction and
     * vectorises the loop (SuperWord), which the Vector API cannot express in JDK 25. The destination
     * strides are constants because SuperWord vectorises stores into one array only when it can prove
     * they do not overlap (with a variable stride it left the loop scalar: 4× slower). Kept a method of
     * its own, never passed a vector, so its compiled size does not count against the caller's inlining budget.
     */
    static void f16Rows4(MemorySegment w, long off, long rowBytes, int n, float[] dst) {
        long o1 = off + rowBytes, o2 = o1 + rowBytes, o3 = o2 + rowBytes;
        for (int i = 0; i < n; i++) {
            long b = 2L * i;
            dst[i] = Float.float16ToFloat(w.get(Tensor.I16_LE, off + b));
            dst[CHUNK + i] = Float.float16ToFloat(w.get(Tensor.I16_LE, o1 + b));
            dst[2 * CHUNK + i] = Float.float16ToFloat(w.get(Tensor.I16_LE, o2 + b));
            dst[3 * CHUNK + i] = Float.float16ToFloat(w.get(Tensor.I16_LE, o3 + b));
        }
    }

    /** Widens {@code n} F16 values at byte {@code off} into {@code dst[dstOff ..)}: the one-row form of {@link #f16Rows4}. */
    static void f16Run(MemorySegment w, long off, int n, float[] dst, int dstOff) {
        for (int i = 0; i < n; i++) dst[dstOff + i] = Float.float16ToFloat(w.get(Tensor.I16_LE, off + 2L * i));
    }

    /** Element {@code i} of a stored row starting at byte {@code off}, widened (for loop tails). */
    static float scalar(MemorySegment w, DType dtype, long off, int i) {
        return switch (dtype) {
            case F32 -> w.get(Tensor.F32_LE, off + 4L * i);
            case BF16 -> Float.intBitsToFloat((w.get(Tensor.I16_LE, off + 2L * i) & 0xFFFF) << 16);
            case F16 -> Float.float16ToFloat(w.get(Tensor.I16_LE, off + 2L * i));
            case I32 -> throw new IllegalArgumentException("I32 weights have no float rows");
            case Q8_0, Q4_0, Q4_K, Q6_K -> throw new IllegalArgumentException(dtype + " weights are read in whole blocks");
        };
    }

    /** Widens stored row {@code row} of a [rows, k] weight into {@code dst[dstOff .. dstOff+k)}. */
    static void row(MemorySegment w, DType dtype, long row, int k, float[] dst, int dstOff) {
        run(w, dtype, row * dtype.rowBytes(k), k, dst, dstOff);
    }

    /**
     * Widens the {@code k} stored elements from byte {@code off} (for quantized types: whole blocks) into
     * {@code dst[dstOff .. dstOff+k)} — a row, or a stretch of one (prefill's K-blocks, {@link GemmPack}).
     */
    static void run(MemorySegment w, DType dtype, long off, int k, float[] dst, int dstOff) {
        if (dtype.isQuantized()) {
            QuantWiden.blocks(w, dtype, off, k, dst, dstOff);
            return;
        }
        int L = F.length(), i = 0;
        switch (dtype) {
            case F32 -> MemorySegment.copy(w, Tensor.F32_LE, off, dst, dstOff, k);
            case BF16 -> {
                for (; i + L <= k; i += L) bf16(w, off + 2L * i).intoArray(dst, dstOff + i);
                for (; i < k; i++) dst[dstOff + i] = scalar(w, dtype, off, i);
            }
            case F16 -> f16Run(w, off, k, dst, dstOff);
            case I32 -> throw new IllegalArgumentException("I32 weights have no float rows");
            case Q8_0, Q4_0, Q4_K, Q6_K -> throw new IllegalStateException("unreachable: quantized rows handled above");
        }
    }
}
