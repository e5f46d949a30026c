package io.scalpel.quant;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/** The little-endian fp16 scales ggml blocks carry (ggml_half), and the rounding ggml uses for them. */
final class HalfScale {
    private static final ValueLayout.OfShort I16_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private HalfScale() {}

    static float get(MemorySegment s, long off) {
        return Float.float16ToFloat(s.get(I16_LE, off));
    }

    /** Stores {@code v} rounded to fp16 (to nearest even, as GGML_FP32_TO_FP16); returns the stored value. */
    static float set(MemorySegment s, long off, float v) {
        short h = Float.floatToFloat16(v);
        s.set(I16_LE, off, h);
        return Float.float16ToFloat(h);
    }

    static int u8(MemorySegment s, long off) {
        return s.get(ValueLayout.JAVA_BYTE, off) & 0xFF;
    }

    static void setU8(MemorySegment s, long off, int v) {
        s.set(ValueLayout.JAVA_BYTE, off, (byte) v);
    }

    /** ggml's nearest_int: round half to even (what the float trick 12582912.f + x gives for |x| < 2^22). */
    static int nearestInt(float x) {
        return (int) Math.rint(x);
    }
}
