package io.scalpel.io;

import io.scalpel.tensor.DType;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * The element types ggml writes into GGUF tensor infos, with their block geometry. Every type is listed,
 * including ones Scalpel cannot load, so a file's tensor sizes can be checked against its length (and a
 * tokenizer read from a Q4_K model) without dequantising anything.
 */
public enum GgmlType {
    F32(0, 1, 4), F16(1, 1, 2), Q4_0(2, 32, 18), Q4_1(3, 32, 20), Q5_0(6, 32, 22), Q5_1(7, 32, 24),
    Q8_0(8, 32, 34), Q8_1(9, 32, 36), Q2_K(10, 256, 84), Q3_K(11, 256, 110), Q4_K(12, 256, 144),
    Q5_K(13, 256, 176), Q6_K(14, 256, 210), Q8_K(15, 256, 292), IQ2_XXS(16, 256, 66), IQ2_XS(17, 256, 74),
    IQ3_XXS(18, 256, 98), IQ1_S(19, 256, 50), IQ4_NL(20, 32, 18), IQ3_S(21, 256, 110), IQ2_S(22, 256, 82),
    IQ4_XS(23, 256, 136), I8(24, 1, 1), I16(25, 1, 2), I32(26, 1, 4), I64(27, 1, 8), F64(28, 1, 8),
    IQ1_M(29, 256, 56), BF16(30, 1, 2), TQ1_0(34, 256, 54), TQ2_0(35, 256, 66), MXFP4(39, 32, 17);

    private final int id;
    private final int blockSize;
    private final int blockBytes;

    GgmlType(int id, int blockSize, int blockBytes) {
        this.id = id;
        this.blockSize = blockSize;
        this.blockBytes = blockBytes;
    }

    /** The number ggml stores in the file. */
    public int id() { return id; }

    /** Elements per block (1 for plain types). */
    public int blockSize() { return blockSize; }

    /** Bytes per block. */
    public int blockBytes() { return blockBytes; }

    /** Bytes taken by {@code elements} elements, which must be a whole number of blocks. */
    public long byteSize(long elements) {
        return Math.multiplyExact(elements / blockSize, (long) blockBytes);
    }

    /** The engine's type for tensors stored as this ggml type, or null where Scalpel cannot load it. */
    public DType dtype() {
        return switch (this) {
            case F32 -> DType.F32;
            case F16 -> DType.F16;
            case BF16 -> DType.BF16;
            case I32 -> DType.I32;
            case Q8_0 -> DType.Q8_0;
            case Q4_0 -> DType.Q4_0;
            case Q4_K -> DType.Q4_K;
            case Q6_K -> DType.Q6_K;
            default -> null;
        };
    }

    /** The ggml type a tensor of {@code dtype} is written as (every engine type has one). */
    public static GgmlType of(DType dtype) {
        for (GgmlType t : values()) {
            if (t.dtype() == dtype) return t;
        }
        throw new IllegalArgumentException("no ggml type for " + dtype);
    }

    /** The types {@link #dtype()} maps, comma-separated, for error messages. */
    static String loadable() {
        return Arrays.stream(values()).filter(t -> t.dtype() != null).map(Enum::name).collect(Collectors.joining(", "));
    }

    /** The type with this id, or null where ggml has none (removed or newer than this table). */
    public static GgmlType fromId(int id) {
        for (GgmlType t : values()) {
            if (t.id == id) return t;
        }
        return null;
    }
}
