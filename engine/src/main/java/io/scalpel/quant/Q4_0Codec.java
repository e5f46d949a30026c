package io.scalpel.quant;

import java.lang.foreign.MemorySegment;

/**
 * ggml {@code block_q4_0}, 18 bytes: fp16 scale d, then 16 bytes; byte j holds element j in its low
 * nibble and element j+16 in its high nibble, each stored as q + 8, so element = {@code (nibble − 8)·d}.
 * Quantizer as ggml's {@code quantize_row_q4_0_ref}: the element of largest magnitude m (sign kept)
 * sets d = m / −8, so it maps to nibble 0 exactly; others to {@code min(15, trunc(x/d + 8.5))}.
 * Idempotent: on its own output m is recovered exactly (−8·d), and d with it.
 */
public final class Q4_0Codec implements BlockCodec {
    public static final Q4_0Codec INSTANCE = new Q4_0Codec();
    static final int QK = 32;

    private Q4_0Codec() {}

    @Override public int blockSize() { return QK; }

    @Override public int blockBytes() { return 18; }

    @Override public void decode(MemorySegment src, long off, float[] dst, int dstOff) {
        float d = HalfScale.get(src, off);
        for (int j = 0; j < QK / 2; j++) {
            int b = HalfScale.u8(src, off + 2 + j);
            dst[dstOff + j] = ((b & 0x0F) - 8) * d;
            dst[dstOff + j + QK / 2] = ((b >>> 4) - 8) * d;
        }
    }

    @Override public void encode(float[] src, int srcOff, MemorySegment dst, long off) {
        float amax = 0f, max = 0f;
        for (int j = 0; j < QK; j++) {
            float v = src[srcOff + j];
            if (amax < Math.abs(v)) {
                amax = Math.abs(v);
                max = v;
            }
        }
        float d = max / -8f;
        float id = d != 0f ? 1f / d : 0f;
        HalfScale.set(dst, off, d);
        for (int j = 0; j < QK / 2; j++) {
            int lo = Math.min(15, (int) (src[srcOff + j] * id + 8.5f)); // (int) truncates, as ggml's (int8_t) cast
            int hi = Math.min(15, (int) (src[srcOff + j + QK / 2] * id + 8.5f));
            HalfScale.setU8(dst, off + 2 + j, lo | (hi << 4));
        }
    }
}
