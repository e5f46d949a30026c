package io.scalpel.backend.cpu;

import io.scalpel.tensor.DType;

import java.lang.foreign.MemorySegment;

/**
 * {@code out[rows, N] = x[rows, K] · Wᵀ} for a stored weight W [N, K] — the Java reference of the
 * matmul kernels in {@code kernels/src/main/cuda/matmul.cu}. Output features are split into one
 * contiguous block per thread. With one activation row (decode) each weight row is streamed once
 * straight from the mapping; with several (prefill) each weight row is widened once into a scratch row
 * and reused against every activation row, so the weights are read once per call, not once per token.
 */
final class Matmul {
    private Matmul() {}

    static void run(WorkerPool pool, float[][] scratch, MemorySegment w, DType dtype, int n, int k,
                    float[] x, int xOff, int rows, float[] out, int outOff) {
        pool.forRange(n, (from, to, worker) -> {
            if (rows == 1 && dtype == DType.F32) {
                for (int j = from; j < to; j++) out[outOff + j] = RowDot.dotF32(w, (long) j * k * 4, x, xOff, k);
            } else if (rows == 1 && dtype == DType.BF16) {
                for (int j = from; j < to; j++) out[outOff + j] = RowDot.dotBf16(w, (long) j * k * 2, x, xOff, k);
            } else {
                float[] row = scratch[worker];
                for (int j = from; j < to; j++) {
                    RowDot.widenRow(w, dtype, j, k, row);
                    for (int t = 0; t < rows; t++) out[outOff + t * n + j] = RowDot.dot(row, 0, x, xOff + t * k, k);
                }
            }
        });
    }
}
