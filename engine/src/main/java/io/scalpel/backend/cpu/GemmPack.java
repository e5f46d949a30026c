package io.scalpel.backend.cpu;

import io.scalpel.tensor.DType;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * Lays the two operands of a prefill GEMM out the way {@link GemmTile} reads them. Activations are
 * transposed once per call into token-minor panels; weights are widened (any stored dtype, quantized
 * included) once per K-block of a row panel into plain fp32 rows. Padding (tokens past the last, rows past
 * the last) is zero, so a padded tile computes harmless zeros that are never written out.
 */
final class GemmPack {
    private GemmPack() {}

    /** Tokens rounded up to whole tiles of {@code tile} tokens. */
    static int paddedTokens(int rows, int tile) {
        return (rows + tile - 1) / tile * tile;
    }

    /**
     * Transposes tokens {@code [t0, t1)} (whole tiles of {@code T}; past {@code rows} they are padding) of
     * {@code x} [rows, k] (from {@code xOff}) into {@code xp}: K-block by K-block (width {@code kc}, the last
     * one shorter), and inside one, tile by tile of {@code T} tokens, element (i, t) at {@code i·T + t}. The
     * panel of K-block {@code pc} and token tile {@code tb} starts at {@link #activationPanel}. {@code xp}
     * holds at least {@code paddedTokens(rows, T)·k} floats.
     */
    static void activations(float[] x, int xOff, int rows, int k, int kc, int T, float[] xp, int t0, int t1) {
        int padded = paddedTokens(rows, T);
        for (int pc = 0; pc < k; pc += kc) {
            int kcb = Math.min(kc, k - pc);
            for (int t = t0; t < t1; t++) {
                int base = activationPanel(pc, kcb, padded, T, t / T) + t % T;
                if (t >= rows) {
                    for (int i = 0; i < kcb; i++) xp[base + i * T] = 0f;
                    continue;
                }
                int src = xOff + t * k + pc;
                for (int i = 0; i < kcb; i++) xp[base + i * T] = x[src + i];
            }
        }
    }

    /** Start of the packed activations of K-block {@code pc} (width {@code kcb}) and token tile {@code tb} of {@code T} tokens. */
    static int activationPanel(int pc, int kcb, int paddedTokens, int T, int tb) {
        return pc * paddedTokens + tb * T * kcb;
    }

    /**
     * Widens elements {@code [pc, pc+kcb)} of stored rows {@code row0 .. row0+rows} of a [*, k] weight
     * into {@code wp} (row r at {@code r·kcb}) and zeroes rows {@code rows .. paddedRows}. For quantized
     * types {@code pc} and {@code kcb} must be whole blocks.
     */
    static void weights(MemorySegment w, DType dtype, int k, int row0, int rows, int paddedRows, int pc, int kcb, float[] wp) {
        long rowBytes = dtype.rowBytes(k), skip = dtype.byteSize(pc);
        for (int r = 0; r < rows; r++) Widen.run(w, dtype, (row0 + r) * rowBytes + skip, kcb, wp, r * kcb);
        Arrays.fill(wp, rows * kcb, paddedRows * kcb, 0f);
    }
}
