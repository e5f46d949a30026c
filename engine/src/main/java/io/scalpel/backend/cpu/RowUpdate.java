package io.scalpel.backend.cpu;

/**
 * The surgery's one arithmetic step, {@code w + α·v}, as a single fused multiply-add in fp32: one
 * rounding, so the result is the exactly rounded value (what a float64 computation rounded to fp32
 * gives, bar rare double-rounding cases), and the CUDA kernel's {@code __fmaf_rn} gives the same bits.
 * The caller then rounds once more to the stored dtype where that is 16-bit.
 */
public final class RowUpdate {
    private RowUpdate() {}

    public static float apply(float w, float alpha, float v) {
        return Math.fma(alpha, v, w);
    }
}
