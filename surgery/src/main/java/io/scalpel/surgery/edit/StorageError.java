package io.scalpel.surgery.edit;

import io.scalpel.tensor.DType;
import io.scalpel.tensor.Tensor;

import java.lang.foreign.MemorySegment;

/**
 * Accumulates ‖stored − (w + α·v)‖ and ‖α·v‖ over edited rows, from their stored bits before and after
 * the edit: the exact target is recomputed in fp32 with the edit's own FMA from the decoded original.
 * For F32 the two agree bit for bit (error 0); for 16-bit and quantized types this is what the rounding
 * to the stored type cost, as a share of the edit.
 */
final class StorageError {
    private double error, edit;

    void add(DType dtype, byte[] before, byte[] after, int rows, float[] direction, float alpha) {
        int cols = direction.length;
        float[] w = decode(dtype, before, rows, cols), stored = decode(dtype, after, rows, cols);
        for (int r = 0; r < rows; r++) {
            for (int i = 0; i < cols; i++) {
                double target = Math.fma(alpha, direction[i], w[r * cols + i]);
                double step = (double) alpha * direction[i];
                error += (stored[r * cols + i] - target) * (stored[r * cols + i] - target);
                edit += step * step;
            }
        }
    }

    /** The ratio; NaN when no row moved (α·v = 0). */
    double relative() {
        return edit == 0 ? Double.NaN : Math.sqrt(error / edit);
    }

    private static float[] decode(DType dtype, byte[] bits, int rows, int cols) {
        return new Tensor("edited rows", dtype, new long[] {rows, cols}, MemorySegment.ofArray(bits)).toFloatArray();
    }
}
