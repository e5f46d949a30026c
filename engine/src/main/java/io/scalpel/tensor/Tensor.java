package io.scalpel.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * A named, typed, row-major array whose bytes live in a {@link MemorySegment} — usually a slice of a
 * memory-mapped checkpoint, so nothing is copied onto the heap. The owner of the segment's arena
 * decides its lifetime.
 */
public record Tensor(String name, DType dtype, long[] shape, MemorySegment data) {

    public static final ValueLayout.OfFloat F32_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    public static final ValueLayout.OfShort I16_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    public static final ValueLayout.OfInt I32_LE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    public Tensor {
        shape = shape.clone();
        if (dtype.isQuantized() && (shape.length == 0 || shape[shape.length - 1] % dtype.blockSize() != 0)) {
            throw new IllegalArgumentException("tensor " + name + ": " + dtype + " rows must be whole blocks of " + dtype.blockSize()
                    + " elements, shape " + Arrays.toString(shape));
        }
        long expected = dtype.byteSize(elementCount(shape));
        if (data.byteSize() != expected) {
            throw new IllegalArgumentException("tensor " + name + ": " + data.byteSize() + " bytes for shape "
                    + Arrays.toString(shape) + " of " + dtype + " (expected " + expected + ")");
        }
    }

    public static long elementCount(long[] shape) {
        long n = 1;
        for (long d : shape) n = Math.multiplyExact(n, d);
        return n;
    }

    public long size() { return elementCount(shape); }

    public int rank() { return shape.length; }

    /** Rows of a matrix (first dimension); 1 for a vector. */
    public int rows() { return shape.length == 1 ? 1 : Math.toIntExact(shape[0]); }

    /** Columns of a matrix (last dimension). */
    public int cols() { return Math.toIntExact(shape[shape.length - 1]); }

    @Override public long[] shape() { return shape.clone(); }

    public long dim(int i) { return shape[i]; }

    /** Element {@code i} (flat index) widened to fp32 (a quantized type decodes the block holding it: slow, for small reads). */
    public float getFloat(long i) {
        if (dtype.isQuantized()) {
            float[] block = new float[dtype.blockSize()];
            dtype.codec().decode(data, i / dtype.blockSize() * dtype.blockBytes(), block, 0);
            return block[(int) (i % dtype.blockSize())];
        }
        return switch (dtype) {
            case F32 -> data.getAtIndex(F32_LE, i);
            case F16 -> Float.float16ToFloat(data.getAtIndex(I16_LE, i));
            case BF16 -> Float.intBitsToFloat((data.getAtIndex(I16_LE, i) & 0xFFFF) << 16);
            case I32 -> data.getAtIndex(I32_LE, i);
            case Q8_0, Q4_0, Q4_K, Q6_K -> throw new IllegalStateException("unreachable: quantized handled above");
        };
    }

    /** Copies {@code n} elements from flat index {@code from} into {@code dst}, widened to fp32. */
    public void toFloats(long from, float[] dst, int dstOff, int n) {
        if (dtype == DType.F32) {
            MemorySegment.copy(data, F32_LE, from * 4, dst, dstOff, n);
            return;
        }
        if (dtype.isQuantized()) {
            int bs = dtype.blockSize();
            if (from % bs != 0 || n % bs != 0) throw new IllegalArgumentException(this + ": quantized reads must be whole blocks");
            dtype.codec().decodeRow(data, from / bs * dtype.blockBytes(), n, dst, dstOff);
            return;
        }
        for (int i = 0; i < n; i++) dst[dstOff + i] = getFloat(from + i);
    }

    /** The whole tensor widened to fp32 on the heap (for small tensors and tests). */
    public float[] toFloatArray() {
        float[] out = new float[Math.toIntExact(size())];
        toFloats(0, out, 0, out.length);
        return out;
    }

    /** An F32 tensor holding a copy of {@code values}, little-endian in a heap byte array (so any writer can copy it out). */
    public static Tensor ofFloats(String name, long[] shape, float[] values) {
        MemorySegment bytes = MemorySegment.ofArray(new byte[Math.multiplyExact(values.length, 4)]);
        MemorySegment.copy(values, 0, bytes, F32_LE, 0, values.length);
        return new Tensor(name, DType.F32, shape, bytes);
    }

    /** Same bytes under another name. */
    public Tensor withName(String newName) { return new Tensor(newName, dtype, shape, data); }

    @Override public String toString() { return name + ":" + dtype + Arrays.toString(shape); }

    @Override public boolean equals(Object o) { return this == o; }

    @Override public int hashCode() { return System.identityHashCode(this); }
}
