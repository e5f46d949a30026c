package io.scalpel.quant;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * ggml {@code block_q8_0}, 34 bytes: fp16 scale d, then 32 int8 q; element i is {@code d·q[i]}.
 * Quantizer as ggml's {@code quantize_row_q8_0_ref}: d = max|x| / 127 (in fp32), q = round(x / d) half
 * away from zero, d stored rounded to fp16. Applied to its own output it gives the same bytes (the
 * largest |q| is 127, so d is recovered up to fp32 rounding and every q to well under ½).
 */
public final class Q8_0Codec implements BlockCodec {
    public static final Q8_0Codec INSTANCE = new Q8_0Codec();
    static final int QK = 32;

    private Q8_0Codec() {}

    @Override public int blockSize() { return QK; }

    @Override public int blockBytes() { return 34; }

    @Override public void decode(MemorySegment src, long off, float[] dst, int dstOff) {
        float d = HalfScale.get(src, off);
        for (int i = 0; i < QK; i++) dst[dstOff + i] = d * src.get(ValueLayout.JAVA_BYTE, off + 2 + i);
    }

    @Override public void encode(float[] src, int srcOff, MemorySegment dst, long off) {
        float amax = 0f;
        for (int i = 0; i < QK; i++) amax = Math.max(amax, Math.abs(src[srcOff + i]));
        float d = amax / 127f;
        float id = d != 0f ? 1f / d : 0f;
        HalfScale.set(dst, off, d);
        for (int i = 0; i < QK; i++) {
            float x = src[srcOff + i] * id;
            // roundf: half away from zero (computed in double, where |x| + 0.5 is exact)
            int q = (int) Math.copySign(Math.floor(Math.abs((double) x) + 0.5), x);
            dst.set(ValueLayout.JAVA_BYTE, off + 2 + i, (byte) q);
        }
    }
}
