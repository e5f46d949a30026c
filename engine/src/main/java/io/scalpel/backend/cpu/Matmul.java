package io.scalpel.backend.cpu;

import io.scalpel.tensor.DType;

import java.lang.foreign.MemorySegment;

/**
 * {@code out[rows, N] = x[rows, K] · Wᵀ} for a stored weight W [N, K] — the Java reference of the
 * matmul kernels in {@code kernels/src/main/cuda/matmul.cu}. Output features are shared out across
 * the pool in chunks of whole 4-row blocks. With one activation row (decode) the weight rows stream
 * straight from the mapping ({@link RowDot}); with several (prefill) each block of four rows is widened
 * once into per-thread scratch and multiplied against every activation row ({@link TileDot}), so the
 * weights are read once per call, not once per token. Both give the same bits for the same row.
 *
 * <p>One instance per backend, reused for every call (its fields are the current call's operands), so
 * a decode step allocates nothing; like the backend, it serves one calling thread.
 */
final class Matmul implements WorkerPool.RangeTask {
    private final WorkerPool pool;
    private float[][] scratch = new float[0][];
    private MemorySegment w;
    private DType dtype;
    private int n, k, xOff, rows, outOff;
    private float[] x, out;

    Matmul(WorkerPool pool) {
        this.pool = pool;
    }

    void run(MemorySegment w, DType dtype, int n, int k, float[] x, int xOff, int rows, float[] out, int outOff) {
        int need = rows > 1 ? Math.max(4 * k, RowDot.SCRATCH) : RowDot.SCRATCH;
        if (scratch.length == 0 || scratch[0].length < need) scratch = new float[pool.parallelism()][need];
        this.w = w;
        this.dtype = dtype;
        this.n = n;
        this.k = k;
        this.x = x;
        this.xOff = xOff;
        this.rows = rows;
        this.out = out;
        this.outOff = outOff;
        try {
            pool.forRange(n, 4, (long) n * k * rows, this);
        } finally {
            this.w = null; // do not keep a closed mapping or a caller's arrays reachable
            this.x = null;
            this.out = null;
        }
    }

    @Override public void run(int from, int to, int worker) {
        float[] block = scratch[worker];
        if (rows == 1) {
            if (dtype.isQuantized()) QuantRowDot.rows(w, dtype, from, to, k, x, xOff, out, outOff);
            else RowDot.rows(w, dtype, from, to, k, x, xOff, out, outOff, block);
            return;
        }
        int j = from;
        for (; j + 4 <= to; j += 4) {
            for (int r = 0; r < 4; r++) Widen.row(w, dtype, j + r, k, block, r * k);
            int t = 0;
            for (; t + 2 <= rows; t += 2) TileDot.tile4x2(block, k, x, xOff, t, out, outOff, n, j);
            for (; t < rows; t++) TileDot.tile4x1(block, k, x, xOff, t, out, outOff, n, j);
        }
        for (; j < to; j++) {
            Widen.row(w, dtype, j, k, block, 0);
            for (int t = 0; t < rows; t++) out[outOff + t * n + j] = RowDot.dot(block, 0, x, xOff + t * k, k);
        }
    }
}
