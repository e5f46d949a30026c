package io.scalpel.backend.cpu;

import io.scalpel.tensor.DType;

import java.lang.foreign.MemorySegment;

/**
 * The surgery's edit on quantized rows: each listed row is decoded (reference values), every element
 * updated with {@link RowUpdate#apply} (one fp32 FMA), and the row's blocks re-encoded with the type's
 * quantizer — which chooses new block scales from the edited values and rounds each to the nearest
 * level, so the stored row is the quantizer's rounding of {@code w + α·v}. Original bytes are saved by
 * the caller (readRows) and written back on revert, never re-derived.
 */
public final class QuantRowUpdate {
    private QuantRowUpdate() {}

    public static void addToRows(MemorySegment data, DType dtype, int k, int[] rows, float[] v, int vOff, float alpha, int rowCount) {
        long rowBytes = dtype.rowBytes(k);
        float[] row = new float[k];
        for (int r : rows) {
            if (r < 0 || r >= rowCount) throw new IndexOutOfBoundsException("row " + r + " of a weight with " + rowCount + " rows");
            dtype.codec().decodeRow(data, r * rowBytes, k, row, 0);
            for (int i = 0; i < k; i++) row[i] = RowUpdate.apply(row[i], alpha, v[vOff + i]);
            dtype.codec().encodeRow(row, 0, k, data, r * rowBytes);
        }
    }
}
