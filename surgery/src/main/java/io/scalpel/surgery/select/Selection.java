package io.scalpel.surgery.select;

import java.util.Arrays;

/**
 * The gate_proj rows chosen for the edit.
 *
 * @param rows          {@code [K][2]} (layer, row) pairs in rank order, most anti-aligned first
 * @param cosines       cos(w_row, v) of each selected row, same order
 * @param perLayerCount how many rows each layer contributes (length = number of layers)
 * @param totalRows     rows considered across all layers
 */
public record Selection(int[][] rows, float[] cosines, int[] perLayerCount, long totalRows) {
    public Selection {
        if (rows.length != cosines.length) throw new IllegalArgumentException(rows.length + " rows but " + cosines.length + " cosines");
        rows = Arrays.stream(rows).map(int[]::clone).toArray(int[][]::new);
        cosines = cosines.clone();
        perLayerCount = perLayerCount.clone();
    }

    @Override public int[][] rows() { return Arrays.stream(rows).map(int[]::clone).toArray(int[][]::new); }
    @Override public float[] cosines() { return cosines.clone(); }
    @Override public int[] perLayerCount() { return perLayerCount.clone(); }

    /** K, the number of selected rows. */
    public int size() { return rows.length; }

    public int layerOf(int rank) { return rows[rank][0]; }

    public int rowOf(int rank) { return rows[rank][1]; }
}
