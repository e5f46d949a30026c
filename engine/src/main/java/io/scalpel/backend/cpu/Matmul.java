package io.scalpel.backend.cpu;

import io.scalpel.tensor.DType;

import java.lang.foreign.MemorySegment;

/**
 * {@code out[rows, N] = x[rows, K] · Wᵀ} for a stored weight W [N, K] — the Java reference of the
 * matmul kernels in {@code kernels/src/main/cuda/matmul.cu}. With one activation row (decode) the weight
 * rows stream straight from the mapping ({@link RowDot}, {@link QuantRowDot}), output features shared out
 * across the pool in chunks of whole 4-row blocks; with several (prefill) the product is a cache-blocked
 * GEMM ({@link Gemm}) that widens each weight once per call. The two sum in different orders (see each
 * class), so a row's decode and prefill results agree to rounding, not bit for bit.
 *
 * <p>One instance per backend, reused for every call (its fields are the current call's operands), so
 * a decode step allocates nothing; like the backend, it serves one calling thread.
 */
final class Matmul implements WorkerPool.RangeTask {
    private final WorkerPool pool;
    private final Gemm gemm;
    private float[][] scratch = new float[0][];
    private MemorySegment w;
    private DType dtype;
    private int k, xOff, outOff;
    private float[] x, out;

    Matmul(WorkerPool pool) {
        this.pool = pool;
        this.gemm = new Gemm(pool);
    }

    /** The prefill GEMM, for products that share their activations ({@link CpuBackend#matmulTriple}). */
    Gemm gemm() { return gemm; }

    void run(MemorySegment w, DType dtype, int n, int k, float[] x, int xOff, int rows, float[] out, int outOff) {
        if (rows == 0 || n == 0) return; // nothing to compute, and decode's path would write n outputs from no row
        if (rows > 1) {
            gemm.run(w, dtype, n, k, x, xOff, rows, out, outOff);
            return;
        }
        int need = Math.max(RowDot.scratchFloats(k), QuantRowDot.scratchFloats(dtype, k));
        if (scratch.length == 0 || scratch[0].length < need) scratch = new float[pool.parallelism()][need]; // grows to the longest row seen, once
        this.w = w;
        this.dtype = dtype;
        this.k = k;
        this.x = x;
        this.xOff = xOff;
        this.out = out;
        this.outOff = outOff;
        try {
            pool.forRange(n, 4, (long) n * k, this); // one activation row
        } finally {
            this.w = null; // do not keep a closed mapping or a caller's arrays reachable
            this.x = null;
            this.out = null;
        }
    }

    @Override public void run(int from, int to, int worker) {
        if (dtype.isQuantized()) QuantRowDot.rows(w, dtype, from, to, k, x, xOff, out, outOff, scratch[worker]);
        else RowDot.rows(w, dtype, from, to, k, x, xOff, out, outOff, scratch[worker]);
    }
}
