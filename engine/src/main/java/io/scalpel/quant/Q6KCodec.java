package io.scalpel.quant;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * ggml {@code block_q6_K}, 210 bytes for 256 elements in 16 sub-blocks of 16:
 * <pre>
 *   0    uint8 ql[128]     low 4 bits: half h (0,1) of 128 elements uses ql[64h .. 64h+64);
 *                          byte l (0..31) low nibble = element l, high nibble = element l+64;
 *                          byte 32+l low nibble = element l+32, high nibble = element l+96
 *   128  uint8 qh[64]      high 2 bits: byte 32h+l holds elements l, l+32, l+64, l+96 of half h
 *                          in bit pairs 0-1, 2-3, 4-5, 6-7
 *   192  int8 scales[16]   one signed scale per sub-block of 16
 *   208  ggml_half d       super-scale
 * </pre>
 * Element e of sub-block j is {@code (d·scales[j])·(q − 32)} with q the 6-bit value (0..63).
 *
 * <p>Quantizer (simpler than llama.cpp's {@code make_qx_quants} search, same last steps): each
 * sub-block's scale is its largest-magnitude value (sign kept) / −32, so that value maps to level −32;
 * d = (the largest-magnitude scale) / −128 (fp16), the int8 scales round to nearest (at most 127), and
 * every value rounds to the nearest level of the stored d·scale, clamped to −32..31.
 */
public final class Q6KCodec implements BlockCodec {
    public static final Q6KCodec INSTANCE = new Q6KCodec();
    static final int QK = 256;
    static final int SUB = 16;

    private Q6KCodec() {}

    @Override public int blockSize() { return QK; }

    @Override public int blockBytes() { return 210; }

    @Override public void decode(MemorySegment src, long off, float[] dst, int dstOff) {
        float d = HalfScale.get(src, off + 208);
        for (int h = 0; h < 2; h++) {
            long ql = off + 64L * h, qh = off + 128 + 32L * h, sc = off + 192 + 8L * h;
            int y = dstOff + 128 * h;
            for (int l = 0; l < 32; l++) {
                int is = l / 16;
                int low0 = HalfScale.u8(src, ql + l), low32 = HalfScale.u8(src, ql + 32 + l), high = HalfScale.u8(src, qh + l);
                int q1 = ((low0 & 0xF) | (((high >>> 0) & 3) << 4)) - 32;
                int q2 = ((low32 & 0xF) | (((high >>> 2) & 3) << 4)) - 32;
                int q3 = ((low0 >>> 4) | (((high >>> 4) & 3) << 4)) - 32;
                int q4 = ((low32 >>> 4) | (((high >>> 6) & 3) << 4)) - 32;
                dst[y + l] = d * src.get(ValueLayout.JAVA_BYTE, sc + is) * q1;
                dst[y + l + 32] = d * src.get(ValueLayout.JAVA_BYTE, sc + is + 2) * q2;
                dst[y + l + 64] = d * src.get(ValueLayout.JAVA_BYTE, sc + is + 4) * q3;
                dst[y + l + 96] = d * src.get(ValueLayout.JAVA_BYTE, sc + is + 6) * q4;
            }
        }
    }

    @Override public void encode(float[] src, int srcOff, MemorySegment dst, long off) {
        float[] scales = new float[16];
        float maxScale = 0f, maxAbsScale = 0f;
        for (int j = 0; j < 16; j++) {
            float amax = 0f, max = 0f;
            for (int l = 0; l < SUB; l++) {
                float v = src[srcOff + SUB * j + l];
                if (amax < Math.abs(v)) {
                    amax = Math.abs(v);
                    max = v;
                }
            }
            scales[j] = max / -32f;
            if (Math.abs(scales[j]) > maxAbsScale) {
                maxAbsScale = Math.abs(scales[j]);
                maxScale = scales[j];
            }
        }
        int[] levels = new int[QK];
        if (maxAbsScale == 0f) {
            for (int i = 0; i < 192; i++) HalfScale.setU8(dst, off + i, 0);
            for (int j = 0; j < 16; j++) HalfScale.setU8(dst, off + 192 + j, 0);
            HalfScale.set(dst, off + 208, 0f);
            return;
        }
        float iscale = -128f / maxScale;
        float d = HalfScale.set(dst, off + 208, 1f / iscale);
        for (int j = 0; j < 16; j++) {
            int sc = Math.min(127, HalfScale.nearestInt(iscale * scales[j]));
            dst.set(ValueLayout.JAVA_BYTE, off + 192 + j, (byte) sc);
            float ds = d * sc;
            for (int l = 0; l < SUB; l++) {
                int q = ds == 0f ? 0 : Math.max(-32, Math.min(31, HalfScale.nearestInt(src[srcOff + SUB * j + l] / ds)));
                levels[SUB * j + l] = q + 32;
            }
        }
        for (int h = 0; h < 2; h++) {
            long ql = off + 64L * h, qh = off + 128 + 32L * h;
            int b = 128 * h;
            for (int l = 0; l < 32; l++) {
                int q1 = levels[b + l], q2 = levels[b + l + 32], q3 = levels[b + l + 64], q4 = levels[b + l + 96];
                HalfScale.setU8(dst, ql + l, (q1 & 0xF) | ((q3 & 0xF) << 4));
                HalfScale.setU8(dst, ql + 32 + l, (q2 & 0xF) | ((q4 & 0xF) << 4));
                HalfScale.setU8(dst, qh + l, (q1 >>> 4) | ((q2 >>> 4) << 2) | ((q3 >>> 4) << 4) | ((q4 >>> 4) << 6));
            }
        }
    }
}
