package io.scalpel.backend.cpu;

/**
 * SwiGLU shared out across the pool in contiguous ranges; element-wise, so the result does not depend on
 * the split. Each element costs one {@link VectorExp} exp, a divide and two multiplies a lane at a time
 * (weighed as {@link #ELEMENT_WORK} multiply-adds), so a decode step's 2048 of them (110M) stay on the
 * caller and a prefill's 128 × 2048 are split.
 *
 * <p>One instance per backend, reused for every call (its fields are the current call's operands), so a
 * decode step allocates nothing; like the backend, it serves one calling thread.
 */
final class Swiglu implements WorkerPool.RangeTask {
    /** Elements per chunk at least: a cache line's worth of each operand. */
    private static final int GRAIN = 16;
    /**
     * One element's cost in the vector multiply-adds {@link WorkerPool#INLINE_WORK} counts: ~20 vector
     * operations per 8 elements, the divide the slowest of them (a few cycles a vector).
     */
    static final long ELEMENT_WORK = 16;

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
            pool.forRange(n, GRAIN, n * ELEMENT_WORK, this);
        } finally {
            this.g = this.u = null;
        }
    }

    @Override public void run(int from, int to, int worker) {
        Elementwise.swiglu(g, go + from, u, uo + from, to - from);
    }
}
