package io.scalpel.backend.cpu;

/**
 * The surgery's one arithmetic step, {@code w + α·v}, defined as two separately rounded fp32
 * operations (no fused multiply-add) so the CUDA kernel ({@code __fmul_rn}, {@code __fadd_rn}) gives
 * the same bits; the caller then rounds once to the stored dtype.
 */
public final class RowUpdate {
    private RowUpdate() {}

    public static float apply(float w, float alpha, float v) {
        float scaled = alpha * v;
        return w + scaled;
    }
}
