package io.scalpel.quant;

import java.lang.foreign.MemorySegment;

/**
 * ggml {@code block_q4_K}, 144 bytes for 256 elements in 8 sub-blocks of 32:
 * <pre>
 *   0   ggml_half d        super-scale of the sub-block scales
 *   2   ggml_half dmin     super-scale of the sub-block mins
 *   4   uint8 scales[12]   8 (scale, min) pairs of 6 bits each, packed as get_scale_min_k4 reads them:
 *                          j &lt; 4:  sc = scales[j] &amp; 63,  m = scales[j+4] &amp; 63
 *                          j ≥ 4:  sc = (scales[j+4] &amp; 15) | (scales[j-4] &gt;&gt; 6) &lt;&lt; 4
 *                                  m  = (scales[j+4] &gt;&gt; 4) | (scales[j]   &gt;&gt; 6) &lt;&lt; 4
 *   16  uint8 qs[128]      4-bit values: chunk c (0..3) of 32 bytes holds sub-block 2c in the low
 *                          nibbles and sub-block 2c+1 in the high nibbles
 * </pre>
 * Element l of sub-block j is {@code (d·sc_j)·q − dmin·m_j}.
 *
 * <p>Quantizer (simpler than llama.cpp's {@code make_qkx2_quants} search, same last two steps): each
 * sub-block's range [min(x, 0), max x] gives scale (max − min)/15 and min −min(x, 0); d and dmin are
 * the largest of those / 63 (fp16), the 6-bit sc and m round to nearest, and every value then rounds
 * to the nearest of the 16 levels the stored (d·sc, dmin·m) give, clamped to 0..15 — as ggml's
 * reference does once its scales are fixed.
 */
public final class Q4KCodec implements BlockCodec {
    public static final Q4KCodec INSTANCE = new Q4KCodec();
    static final int QK = 256;
    static final int SUB = 32;

    private Q4KCodec() {}

    @Override public int blockSize() { return QK; }

    @Override public int blockBytes() { return 144; }

    /** The 6-bit scale of sub-block {@code j} from the 12 packed bytes at {@code scales}. */
    static int scale(MemorySegment s, long scales, int j) {
        return j < 4 ? HalfScale.u8(s, scales + j) & 63
                : (HalfScale.u8(s, scales + j + 4) & 0xF) | ((HalfScale.u8(s, scales + j - 4) >>> 6) << 4);
    }

    /** The 6-bit min of sub-block {@code j}. */
    static int min(MemorySegment s, long scales, int j) {
        return j < 4 ? HalfScale.u8(s, scales + j + 4) & 63
                : (HalfScale.u8(s, scales + j + 4) >>> 4) | ((HalfScale.u8(s, scales + j) >>> 6) << 4);
    }

    @Override public void decode(MemorySegment src, long off, float[] dst, int dstOff) {
        float d = HalfScale.get(src, off), dmin = HalfScale.get(src, off + 2);
        long scales = off + 4, qs = off + 16;
        for (int c = 0; c < 4; c++) {
            float d1 = d * scale(src, scales, 2 * c), m1 = dmin * min(src, scales, 2 * c);
            float d2 = d * scale(src, scales, 2 * c + 1), m2 = dmin * min(src, scales, 2 * c + 1);
            int y = dstOff + 64 * c;
            for (int l = 0; l < 32; l++) {
                int q = HalfScale.u8(src, qs + 32L * c + l);
                dst[y + l] = d1 * (q & 0xF) - m1;
                dst[y + 32 + l] = d2 * (q >>> 4) - m2;
            }
        }
    }

    @Override public void encode(float[] src, int srcOff, MemorySegment dst, long off) {
        float[] scale = new float[8], mins = new float[8];
        float maxScale = 0f, maxMin = 0f;
        for (int j = 0; j < 8; j++) {
            float lo = 0f, hi = -Float.MAX_VALUE;
            for (int l = 0; l < SUB; l++) {
                float v = src[srcOff + SUB * j + l];
                lo = Math.min(lo, v);
                hi = Math.max(hi, v);
            }
            scale[j] = Math.max(0f, (hi - lo) / 15f);
            mins[j] = -lo;
            maxScale = Math.max(maxScale, scale[j]);
            maxMin = Math.max(maxMin, mins[j]);
        }
        float invScale = maxScale > 0 ? 63f / maxScale : 0f;
        float invMin = maxMin > 0 ? 63f / maxMin : 0f;
        int[] packed = new int[12];
        for (int j = 0; j < 8; j++) {
            int ls = Math.min(63, HalfScale.nearestInt(invScale * scale[j]));
            int lm = Math.min(63, HalfScale.nearestInt(invMin * mins[j]));
            if (j < 4) {
                packed[j] = ls;
                packed[j + 4] = lm;
            } else {
                packed[j + 4] = (ls & 0xF) | ((lm & 0xF) << 4);
                packed[j - 4] |= (ls >>> 4) << 6;
                packed[j] |= (lm >>> 4) << 6;
            }
        }
        float d = HalfScale.set(dst, off, maxScale / 63f);
        float dmin = HalfScale.set(dst, off + 2, maxMin / 63f);
        long scales = off + 4, qs = off + 16;
        for (int i = 0; i < 12; i++) HalfScale.setU8(dst, scales + i, packed[i]);
        int[] levels = new int[QK];
        for (int j = 0; j < 8; j++) {
            float ds = d * scale(dst, scales, j);
            if (ds == 0f) continue; // every value of the sub-block decodes to −dmin·m; level 0 is as good as any
            float dm = dmin * min(dst, scales, j);
            for (int l = 0; l < SUB; l++) {
                int q = HalfScale.nearestInt((src[srcOff + SUB * j + l] + dm) / ds);
                levels[SUB * j + l] = Math.max(0, Math.min(15, q));
            }
        }
        for (int c = 0; c < 4; c++) {
            for (int l = 0; l < 32; l++) HalfScale.setU8(dst, qs + 32L * c + l, levels[64 * c + l] | (levels[64 * c + 32 + l] << 4));
        }
    }
}
