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
    // The current decode call: its activation row and its weights side by side in one group.
    private final ProductGroup group = new ProductGroup("decode");
    private final ProductGroup.Part product = this::product;
    private int k, xOff;
    private float[] x;

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
        begin(x, xOff, k);
        add(w, dtype, n, out, outOff);
        multiply();
    }

    /**
     * Starts a decode call on one activation row {@code x[k]} (from {@code xOff}); {@link #add} its weights,
     * then {@link #multiply}. The weights of one call (Q, K and V; gate and up) are one job for the pool: one
     * hand-off and one idle tail instead of one per weight. A row's bits never depend on the split.
     */
    void begin(float[] x, int xOff, int k) {
        this.x = x;
        this.xOff = xOff;
        this.k = k;
        group.clear();
    }

    /** Adds {@code out[n] = W · x} (into {@code out} from {@code outOff}) to the call begun. */
    void add(MemorySegment w, DType dtype, int n, float[] out, int outOff) {
        group.add(w, dtype, n, out, outOff);
    }

    /** Runs the call begun across the pool, in chunks of whole 4-row blocks (a chunk may span two weights). */
    void multiply() {
        int need = RowDot.scratchFloats(k);
        for (int i = 0; i < group.count(); i++) need = Math.max(need, QuantRowDot.scratchFloats(group.dtype(i), k));
        if (scratch.length == 0 || scratch[0].length < need) scratch = new float[pool.parallelism()][need]; // grows to the longest row seen, once
        try {
            int total = group.total();
            if (total > 0) pool.forRange(total, 4, (long) total * k, this);
        } finally {
            group.release(); // do not keep a closed mapping or a caller's arrays reachable
            x = null;
        }
    }

    @Override public void run(int from, int to, int worker) {
        group.forEachPart(from, to, worker, product);
    }

    /** Rows {@code [from, to)} of weight {@code i} of the call. */
    private void product(int i, int from, int to, int worker) {
        MemorySegment w = group.weight(i);
        DType dtype = group.dtype(i);
        if (dtype.isQuantized()) QuantRowDot.rows(w, dtype, from, to, k, x, xOff, group.out(i), group.outOff(i), scratch[worker]);
        else RowDot.rows(w, dtype, from, to, k, x, xOff, group.out(i), group.outOff(i), scratch[worker]);
    }
}
