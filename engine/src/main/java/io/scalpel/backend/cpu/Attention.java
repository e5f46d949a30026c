package io.scalpel.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Causal grouped-query attention over a KV cache — the Java reference of {@code attention.cu}.
 * Each (query row, head) pair is one independent task: scores against every cached key up to the
 * row's own position (vector dot products over contiguous K rows, four keys at a time, each with
 * {@link RowDot#dot}'s bits), a max-subtracted softmax with {@link VectorExp}'s exp, then the
 * probability-weighted sum of V rows, four vectors of the head at a time. A row's result does not depend
 * on how many rows share the call, so a prefill row equals that row decoded alone, bit for bit.
 *
 * <p>One instance per backend, reused for every call (its fields are the current call's operands),
 * so a decode step allocates nothing; like the backend, it serves one calling thread.
 */
final class Attention implements WorkerPool.RangeTask {
    private static final VectorSpecies<Float> F = Widen.F;
    /**
     * What a byte of K/V counts for in the multiply-adds {@link WorkerPool#INLINE_WORK} measures: a decode
     * step's cache comes from beyond L2 (the weights streamed through in between), so attention is bound by
     * its reads, not its arithmetic. Counted by arithmetic alone, 110M decode attention stayed on the caller
     * below position ~151; split across the two cores it took 1.20–1.27 ms a token against 1.81–2.09 inline
     * (positions 128–159, quiet machine, one JVM interleaved, 2026-12-01; docs/benchmarks.md). Only where a
     * job is split depends on it, never its bits.
     */
    private static final long KV_BYTE_WORK = 2;

    private final WorkerPool pool;
    private float[][] scores = new float[0][], lanes = new float[0][];
    private float[] q, k, v, out;
    private int qBase, kBase, vBase, outBase, rows, pos0, heads, headDim, qDim, kvDim, group;
    private float scale;

    Attention(WorkerPool pool) {
        this.pool = pool;
    }

    void run(CpuBuffer out, CpuBuffer q, CpuBuffer kCache, CpuBuffer vCache, int rows, int pos0, int heads, int kvHeads, int headDim) {
        int longest = pos0 + rows;
        if (scores.length == 0 || scores[0].length < longest) {
            scores = new float[pool.parallelism()][Math.max(longest, 2 * (scores.length == 0 ? 0 : scores[0].length))];
        }
        if (lanes.length == 0) lanes = new float[pool.parallelism()][4 * F.length()];
        this.q = q.array();
        this.k = kCache.array();
        this.v = vCache.array();
        this.out = out.array();
        this.qBase = q.offset();
        this.kBase = kCache.offset();
        this.vBase = vCache.offset();
        this.outBase = out.offset();
        this.rows = rows;
        this.pos0 = pos0;
        this.heads = heads;
        this.headDim = headDim;
        this.qDim = heads * headDim;
        this.kvDim = kvHeads * headDim;
        this.group = heads / kvHeads;
        this.scale = (float) (1.0 / Math.sqrt(headDim));
        try {
            // scores and weighted sums: about 2·headDim multiply-adds, one exp and 2·headDim floats of K/V read per (row, head, position)
            long perPosition = 2L * headDim + WorkerPool.EXP_WORK + 2L * headDim * Float.BYTES * KV_BYTE_WORK;
            pool.forRange(rows * heads, 1, perPosition * rows * heads * (pos0 + rows), this);
        } finally {
            this.q = this.k = this.v = this.out = null;
        }
    }

    @Override public void run(int from, int to, int worker) {
        float[] s = scores[worker], lanes = this.lanes[worker];
        int L = F.length();
        for (int task = from; task < to; task++) {
            // Tasks run from the last row back: causal rows get cheaper towards the first, so the pool's last
            // chunks are the lightest and neither thread waits long at the end (the split never changes a bit).
            int t = rows - 1 - task / heads, h = task % heads;
            int qOff = qBase + t * qDim + h * headDim;
            int kvOff = (h / group) * headDim;
            int len = pos0 + t + 1;
            scores(q, qOff, k, kBase + kvOff, kvDim, headDim, len, s, lanes);
            float max = Float.NEGATIVE_INFINITY;
            for (int j = 0; j < len; j++) {
                s[j] *= scale;
                max = Math.max(max, s[j]);
            }
            VectorExp.shiftedInPlace(s, 0, len, max);
            double total = 0;
            for (int j = 0; j < len; j++) total += s[j];
            float inv = 1f / (float) total;
            int oOff = outBase + t * qDim + h * headDim, vOff = vBase + kvOff;
            int d = 0;
            // Four vectors of the head at once: four independent fma chains over the positions instead of one,
            // each element's chain unchanged (acc = fma(v, p, acc) over j in order), so the same bits.
            for (; d + 4 * L <= headDim; d += 4 * L) {
                FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
                for (int j = 0; j < len; j++) {
                    FloatVector p = FloatVector.broadcast(F, s[j]);
                    int vj = vOff + j * kvDim + d;
                    a0 = FloatVector.fromArray(F, v, vj).fma(p, a0);
                    a1 = FloatVector.fromArray(F, v, vj + L).fma(p, a1);
                    a2 = FloatVector.fromArray(F, v, vj + 2 * L).fma(p, a2);
                    a3 = FloatVector.fromArray(F, v, vj + 3 * L).fma(p, a3);
                }
                a0.mul(inv).intoArray(out, oOff + d);
                a1.mul(inv).intoArray(out, oOff + d + L);
                a2.mul(inv).intoArray(out, oOff + d + 2 * L);
                a3.mul(inv).intoArray(out, oOff + d + 3 * L);
            }
            for (; d + L <= headDim; d += L) {
                FloatVector acc = FloatVector.zero(F);
                for (int j = 0; j < len; j++) {
                    acc = FloatVector.fromArray(F, v, vOff + j * kvDim + d).fma(FloatVector.broadcast(F, s[j]), acc);
                }
                acc.mul(inv).intoArray(out, oOff + d);
            }
            for (; d < headDim; d++) {
                float acc = 0f;
                for (int j = 0; j < len; j++) acc += s[j] * v[vOff + j * kvDim + d];
                out[oOff + d] = acc * inv;
            }
        }
    }

    /**
     * {@code s[j] = q · k_j} for the {@code len} keys at {@code k[kOff + j·stride]}, each with the bits of
     * {@link RowDot#dot} (a vector fma chain over the head, lanes added left to right, then the scalar tail),
     * four keys at a time so that four chains, not one, hide the fma latency.
     */
    private static void scores(float[] q, int qOff, float[] k, int kOff, int stride, int headDim, int len, float[] s, float[] lanes) {
        int L = F.length(), j = 0, whole = headDim / L * L;
        for (; j + 4 <= len; j += 4) {
            int k0 = kOff + j * stride, k1 = k0 + stride, k2 = k1 + stride, k3 = k2 + stride;
            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
            for (int i = 0; i < whole; i += L) {
                FloatVector x = FloatVector.fromArray(F, q, qOff + i);
                a0 = x.fma(FloatVector.fromArray(F, k, k0 + i), a0);
                a1 = x.fma(FloatVector.fromArray(F, k, k1 + i), a1);
                a2 = x.fma(FloatVector.fromArray(F, k, k2 + i), a2);
                a3 = x.fma(FloatVector.fromArray(F, k, k3 + i), a3);
            }
            a0.intoArray(lanes, 0);
            a1.intoArray(lanes, L);
            a2.intoArray(lanes, 2 * L);
            a3.intoArray(lanes, 3 * L);
            float r0 = 0f, r1 = 0f, r2 = 0f, r3 = 0f;
            for (int l = 0; l < L; l++) {
                r0 += lanes[l];
                r1 += lanes[L + l];
                r2 += lanes[2 * L + l];
                r3 += lanes[3 * L + l];
            }
            for (int i = whole; i < headDim; i++) {
                float x = q[qOff + i];
                r0 += x * k[k0 + i];
                r1 += x * k[k1 + i];
                r2 += x * k[k2 + i];
                r3 += x * k[k3 + i];
            }
            s[j] = r0;
            s[j + 1] = r1;
            s[j + 2] = r2;
            s[j + 3] = r3;
        }
        for (; j < len; j++) s[j] = RowDot.dot(q, qOff, k, kOff + j * stride, headDim);
    }
}
