package io.scalpel.surgery.select;

import java.util.Arrays;
import java.util.List;

/**
 * Picks the behaviour region: all gate_proj rows of all layers ranked together by −cos(w_row, v),
 * most anti-aligned first, and the global top K kept (the paper's step 2).
 *
 * <p>Ties (equal cosines) are broken by layer ascending, then row ascending, so a selection is a pure
 * function of the cosines. {@code -0.0} counts as {@code 0.0}. A NaN cosine (e.g. an all-zero row) is
 * an error: it has no place in the ranking.
 *
 * <p>Row counts come from the cosine arrays (i.e. from the model), never from constants.
 */
public final class GateRowSelector {
    /** The paper's share on Llama-2-7B: 16,384 of 32 × 11,008 = 352,256 rows. */
    public static final long PAPER_K = 16_384;
    public static final long PAPER_TOTAL_ROWS = 352_256;

    private GateRowSelector() {}

    /** The paper's share of rows: round(total × 16384 / 352256), at least 1. */
    public static int defaultK(long totalRows) {
        if (totalRows < 1) throw new IllegalArgumentException("no gate rows to select from");
        return (int) Math.max(1, Math.round((double) totalRows * PAPER_K / PAPER_TOTAL_ROWS));
    }

    /** Selects the paper's default share of rows. */
    public static Selection selectDefault(List<float[]> cosinesPerLayer) {
        return select(cosinesPerLayer, defaultK(totalRows(cosinesPerLayer)));
    }

    /**
     * @param cosinesPerLayer cos(w_row, v) for every gate_proj row, one array per layer in layer order
     * @param k               rows to keep ({@code --top-k}); must be in [1, total rows]
     */
    public static Selection select(List<float[]> cosinesPerLayer, int k) {
        long total = totalRows(cosinesPerLayer);
        if (k < 1) throw new IllegalArgumentException("--top-k must be at least 1, got " + k);
        if (k > total) {
            throw new IllegalArgumentException("--top-k " + k + " exceeds the " + total + " gate_proj rows of this model ("
                    + cosinesPerLayer.size() + " layers)");
        }
        if (total > Integer.MAX_VALUE) throw new IllegalArgumentException("too many gate rows (" + total + ") to rank in one array");
        // Pack (cosine, global index) into one long whose signed order is the ranking: the high 32
        // bits are the cosine's bits made order-preserving, the low 32 bits the row's index in
        // (layer, row) order — which is exactly the tie rule. Sorting primitives avoids boxing
        // hundreds of thousands of rows.
        long[] keys = new long[(int) total];
        int[] layerStart = new int[cosinesPerLayer.size()];
        int index = 0;
        for (int layer = 0; layer < cosinesPerLayer.size(); layer++) {
            layerStart[layer] = index;
            float[] cos = cosinesPerLayer.get(layer);
            for (int row = 0; row < cos.length; row++, index++) {
                float c = cos[row];
                if (Float.isNaN(c)) throw new IllegalArgumentException("cosine of layer " + layer + " row " + row + " is NaN (an all-zero row or a zero direction?)");
                keys[index] = ((long) orderedBits(c + 0.0f) << 32) | index;
            }
        }
        Arrays.sort(keys);

        int[][] rows = new int[k][];
        float[] cosines = new float[k];
        int[] perLayer = new int[cosinesPerLayer.size()];
        for (int r = 0; r < k; r++) {
            int global = (int) keys[r];
            int layer = layerOf(layerStart, global);
            int row = global - layerStart[layer];
            rows[r] = new int[]{layer, row};
            cosines[r] = cosinesPerLayer.get(layer)[row];
            perLayer[layer]++;
        }
        return new Selection(rows, cosines, perLayer, total);
    }

    public static long totalRows(List<float[]> cosinesPerLayer) {
        if (cosinesPerLayer.isEmpty()) throw new IllegalArgumentException("no layers given");
        long total = 0;
        for (float[] c : cosinesPerLayer) total += c.length;
        return total;
    }

    /** Float bits mapped so that signed int order equals float order (for non-NaN values). */
    private static int orderedBits(float f) {
        int bits = Float.floatToIntBits(f);
        return bits < 0 ? bits ^ 0x7FFFFFFF : bits;
    }

    /** The layer holding global row index {@code global} (layers may be empty, so take the last start ≤ global). */
    private static int layerOf(int[] layerStart, int global) {
        int lo = 0, hi = layerStart.length - 1;
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (layerStart[mid] <= global) lo = mid;
            else hi = mid - 1;
        }
        return lo;
    }
}
