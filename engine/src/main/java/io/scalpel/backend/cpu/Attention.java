package io.scalpel.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Causal grouped-query attention over a KV cache — the Java reference of {@code attention.cu}.
 * Each (query row, head) pair is one independent task: scores against every cached key up to the
 * row's own position (vector dot products over contiguous K rows, four keys at a time), a max-subtracted softmax,
 * then the probability-weighted sum of V rows, four vectors of the head at a time. Both keep one FMA chain per
 * output in a fixed order, so the blocking changes no bit; it only keeps four chains in flight instead of one
 * (12 heads × 64 at 192 positions: 112–115 → 85–87 µs of one thread's CPU per call, Zen 3, 2026-12-01).
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
        for (int task = from; task < to; task++) {
            int t = task / heads, h = task % heads;
            int qOff = qBase + t * qDim + h * headDim;
            int kvOff = (h / group) * headDim;
            int len = pos0 + t + 1;
            int j = 0;
            for (; j + 4 <= len; j += 4) scores4(q, qOff, k, kBase + j * kvDim + kvOff, kvDim, headDim, scale, s, j);
            for (; j < len; j++) s[j] = RowDot.dot(q, qOff, k, kBase + j * kvDim + kvOff, headDim) * scale;
            float max = Float.NEGATIVE_INFINITY;
            for (j = 0; j < len; j++) max = Math.max(max, s[j]);
            float sum = softmaxNumerators(s, len, max);
            weightedSum(s, len, 1f / sum, v, vBase + kvOff, kvDim, headDim, out, outBase + t * qDim + h * headDim);
        }
    }

    /**
     * {@code s[j + p] = (q · K row p) · scale} for the four cached keys from {@code kOff}, {@code stride}
     * apart: four independent FMA chains instead of one (a single 64-element dot product is one chain of 8
     * dependent FMAs, each waiting on the last), each in {@link RowDot#dot}'s order, so the bits are its.
     */
    private static void scores4(float[] q, int qOff, float[] k, int kOff, int stride, int headDim, float scale, float[] s, int j) {
        int L = F.length(), i = 0;
        int k1 = kOff + stride, k2 = k1 + stride, k3 = k2 + stride;
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        for (; i + L <= headDim; i += L) {
            FloatVector qv = FloatVector.fromArray(F, q, qOff + i);
            a0 = qv.fma(FloatVector.fromArray(F, k, kOff + i), a0);
            a1 = qv.fma(FloatVector.fromArray(F, k, k1 + i), a1);
            a2 = qv.fma(FloatVector.fromArray(F, k, k2 + i), a2);
            a3 = qv.fma(FloatVector.fromArray(F, k, k3 + i), a3);
        }
        float r0 = 0f, r1 = 0f, r2 = 0f, r3 = 0f;
        for (int l = 0; l < L; l++) { // left to right, as RowDot.dot
            r0 += a0.lane(l);
            r1 += a1.lane(l);
            r2 += a2.lane(l);
            r3 += a3.lane(l);
        }
        for (int d = i; d < headDim; d++) {
            r0 += q[qOff + d] * k[kOff + d];
            r1 += q[qOff + d] * k[k1 + d];
            r2 += q[qOff + d] * k[k2 + d];
            r3 += q[qOff + d] * k[k3 + d];
        }
        s[j] = r0 * scale;
        s[j + 1] = r1 * scale;
        s[j + 2] = r2 * scale;
        s[j + 3] = r3 * scale;
    }

    /**
     * {@code out[oOff + d] = inv · Σ_j p[j] · V[j, d]} over the {@code len} cached values from {@code vOff},
     * {@code stride} apart. Each output lane is one FMA chain over j in order; four vectors of d run side by
     * side so that four chains, not one, are in flight (the same bits as one at a time); the scalar tail of
     * d, past the last whole vector, is a plain multiply-add.
     */
    private static void weightedSum(float[] p, int len, float inv, float[] v, int vOff, int stride, int headDim, float[] out, int oOff) {
        int L = F.length(), d = 0;
        for (; d + 4 * L <= headDim; d += 4 * L) {
            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
            for (int j = 0, at = vOff + d; j < len; j++, at += stride) {
                FloatVector pj = FloatVector.broadcast(F, p[j]);
                a0 = FloatVector.fromArray(F, v, at).fma(pj, a0);
                a1 = FloatVector.fromArray(F, v, at + L).fma(pj, a1);
                a2 = FloatVector.fromArray(F, v, at + 2 * L).fma(pj, a2);
                a3 = FloatVector.fromArray(F, v, at + 3 * L).fma(pj, a3);
            }
            a0.mul(inv).intoArray(out, oOff + d);
            a1.mul(inv).intoArray(out, oOff + d + L);
            a2.mul(inv).intoArray(out, oOff + d + 2 * L);
            a3.mul(inv).intoArray(out, oOff + d + 3 * L);
        }
        for (; d + L <= headDim; d += L) {
            FloatVector acc = FloatVector.zero(F);
            for (int j = 0; j < len; j++) acc = FloatVector.fromArray(F, v, vOff + j * stride + d).fma(FloatVector.broadcast(F, p[j]), acc);
            acc.mul(inv).intoArray(out, oOff + d);
        }
        for (; d < headDim; d++) {
            float acc = 0f;
            for (int j = 0; j < len; j++) acc += p[j] * v[vOff + j * stride + d];
            out[oOff + d] = acc * inv;
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
