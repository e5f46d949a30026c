package io.scalpel.quant;

import java.lang.foreign.MemorySegment;

/**
 * One ggml block encoding: how {@link #blockSize()} real numbers are stored in {@link #blockBytes()}
 * bytes. {@link #decode} is the plain Java reference every fast kernel is tested against; it follows
 * ggml's {@code dequantize_row_*} arithmetic operation for operation (fp32, no fused multiply-add), so
 * it gives the values llama.cpp's reference gives. {@link #encode} is this project's quantizer: simpler
 * than llama.cpp's search-based one (each type's class says how it chooses scales), deterministic, and
 * its output decodes with any ggml reader.
 */
public sealed interface BlockCodec permits Q8_0Codec, Q4_0Codec, Q4KCodec, Q6KCodec {

    /** Elements per block. */
    int blockSize();

    /** Bytes per block. */
    int blockBytes();

    /** Decodes the block at byte {@code off} of {@code src} into {@code dst[dstOff .. dstOff + blockSize)}. */
    void decode(MemorySegment src, long off, float[] dst, int dstOff);

    /** Encodes {@code src[srcOff .. srcOff + blockSize)} into the block at byte {@code off} of {@code dst}. */
    void encode(float[] src, int srcOff, MemorySegment dst, long off);

    /** Decodes {@code n} elements (whole blocks) starting at byte {@code off}. */
    default void decodeRow(MemorySegment src, long off, int n, float[] dst, int dstOff) {
        checkWhole(n);
        for (int b = 0; b < n / blockSize(); b++) decode(src, off + (long) b * blockBytes(), dst, dstOff + b * blockSize());
    }

    /** Encodes {@code n} elements (whole blocks) to byte {@code off} onwards. */
    default void encodeRow(float[] src, int srcOff, int n, MemorySegment dst, long off) {
        checkWhole(n);
        for (int b = 0; b < n / blockSize(); b++) encode(src, srcOff + b * blockSize(), dst, off + (long) b * blockBytes());
    }

    private void checkWhole(int n) {
        if (n % blockSize() != 0) throw new IllegalArgumentException(n + " elements are not whole blocks of " + blockSize());
    }
}
