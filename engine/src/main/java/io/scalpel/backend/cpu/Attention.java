package io.scalpel.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Causal grouped-query attention over a KV cache — the Java reference of {@code attention.cu}.
 * Each (query row, head) pair is one independent task: scores against every cached key up to the
 * row's own position (vector dot products over contiguous K rows), a max-subtracted softmax, then the probability-weighted sum of V rows accumulated a vector at a time.
 *
 * <p>One instance per backend, reused for every call (its fields are the current call's operands),
 * so a decode step allocates nothing; like the backend, it serves one calling thread.
 */
final class Attention implements WorkerPool.RangeTask {
    private static final VectorSpecies<Float> F = Widen.F;

    private final WorkerPool pool;
    private float[][] scores = new float[0][];
    private float[] q, k, v, out;
    private int qBase, kBase, vBase, outBase, pos0, heads, headDim, qDim, kvDim, group;
    private float scale;

    Attention(WorkerPool pool) {
        this.pool = pool;
    }

    void run(CpuBuffer out, CpuBuffer q, CpuBuffer kCache, CpuBuffer vCache, int rows, int pos0, int heads, int kvHeads, int headDim) {
        int longest = pos0 + rows;
        if (scores.length == 0 || scores[0].length < longest) {
            scores = new float[pool.parallelism()][Math.max(longest, 2 * (scores.length == 0 ? 0 : scores[0].length))];
        }
        this.q = q.array();
        this.k = kCache.array();
        this.v = vCache.array();
        this.out = out.array();
        this.qBase = q.offset();
        this.kBase = kCache.offset();
        this.vBase = vCache.offset();
        this.outBase = out.offset();
        this.pos0 = pos0;
        this.heads = heads;
        this.headDim = headDim;
        this.qDim = heads * headDim;
        this.kvDim = kvHeads * headDim;
        this.group = heads / kvHeads;
        this.scale = (float) (1.0 / Math.sqrt(headDim));
        try {
            // scores and weighted sums: about 2·headDim multiply-adds and one exp per (row, head, position)
            pool.forRange(rows * heads, 1, (2L * headDim + WorkerPool.EXP_WORK) * rows * heads * (pos0 + rows), this);
        } finally {
            this.q = this.k = this.v = this.out = null;
        }
    }

    @Override public void run(int from, int to, int worker) {
        float[] s = scores[worker];
        int L = F.length();
        for (int task = from; task < to; task++) {
            int t = task / heads, h = task % heads;
            int qOff = qBase + t * qDim + h * headDim;
            int kvOff = (h / group) * headDim;
            int len = pos0 + t + 1;
            float max = Float.NEGATIVE_INFINITY;
            for (int j = 0; j < len; j++) {
                float score = RowDot.dot(q, qOff, k, kBase + j * kvDim + kvOff, headDim) * scale;
                s[j] = score;
                max = Math.max(max, score);
            }
            float sum = softmaxNumerators(s, len, max);
            float inv = 1f / sum;
            int oOff = outBase + t * qDim + h * headDim;
            int d = 0;
            for (; d + L <= headDim; d += L) {
                FloatVector acc = FloatVector.zero(F);
                for (int j = 0; j < len; j++) {
                    acc = FloatVector.fromArray(F, v, vBase + j * kvDim + kvOff + d).fma(FloatVector.broadcast(F, s[j]), acc);
                }
                acc.mul(inv).intoArray(out, oOff + d);
            }
            for (; d < headDim; d++) {
                float acc = 0f;
                for (int j = 0; j < len; j++) acc += s[j] * v[vBase + j * kvDim + kvOff + d];
                out[oOff + d] = acc * inv;
            }
        }
    }

    /**
     * {@code s[j] = exp(s[j] - max)} for j in [0, len); returns their sum. StrictMath, not a vector exp:
     * the result must not depend on whether this code is interpreted or compiled.
     */
    private static float softmaxNumerators(float[] s, int len, float max) {
        double total = 0;
        for (int j = 0; j < len; j++) {
            float e = (float) StrictMath.exp(s[j] - max);
            s[j] = e;
            total += e;
        }
        return (float) total;
    }
}
