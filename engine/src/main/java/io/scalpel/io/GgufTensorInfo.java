package io.scalpel.io;

import java.util.Arrays;

/**
 * Where one tensor lives in a GGUF file. {@code shape} is row-major, slowest dimension first, as Hugging
 * Face writes it: GGUF stores dimensions fastest first ({@code ne[0]} is the column count), so the reader
 * reverses them. {@code offset} counts from the start of the file, not of the data section.
 */
public record GgufTensorInfo(String name, GgmlType type, long[] shape, long offset, long byteSize) {

    public GgufTensorInfo {
        shape = shape.clone();
    }

    @Override public long[] shape() { return shape.clone(); }

    public long elementCount() {
        long n = 1;
        for (long d : shape) n = Math.multiplyExact(n, d);
        return n;
    }

    @Override public boolean equals(Object o) {
        return o instanceof GgufTensorInfo t && name.equals(t.name) && type == t.type
                && Arrays.equals(shape, t.shape) && offset == t.offset && byteSize == t.byteSize;
    }

    @Override public int hashCode() { return name.hashCode() * 31 + Arrays.hashCode(shape); }

    @Override public String toString() {
        return name + ":" + type + Arrays.toString(shape) + "@" + offset;
    }
}
