package io.scalpel.backend.cpu;

/**
 * SwiGLU shared out across the pool. Each element costs one {@code StrictMath.exp} (weighed as
 * {@link WorkerPool#EXP_WORK} multiply-adds), so a decode step's 12 × 2048 of them (110M) kept one core
 * busy while the other waited; split in contiguous ranges, element-wise, the result does not depend on
 * the split.
 *
 * <p>One instance per backend, reused for every call (its fields are the current call's operands), so a
 * decode step allocates nothing; like the backend, it serves one calling thread.
 */
final class Swiglu implements WorkerPool.RangeTask {
    /** Elements per chunk at least: a cache line's worth of each operand. */
    private static final int GRAIN = 16;

    private final WorkerPool pool;
    private float[] g, u;
    private int go, uo;

    Swiglu(WorkerPool pool) {
        this.pool = pool;
    }

    void run(float[] g, int go, float[] u, int uo, int n) {
        this.g = g;
        this.go = go;
        this.u = u;
        this.uo = uo;
        try {
            pool.forRange(n, GRAIN, n * WorkerPool.EXP_WORK, this);
        } finally {
            this.g = this.u = null;
        }
    }

    @Override public void run(int from, int to, int worker) {
        Elementwise.swiglu(g, go + from, u, uo + from, to - from);
    }
}
