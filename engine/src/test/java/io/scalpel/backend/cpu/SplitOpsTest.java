package io.scalpel.backend.cpu;

import io.scalpel.backend.Buffer;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The element-wise and attention ops a decode step now shares out across the pool give the bits of the
 * one-thread run, and the values of a plain reference written here.
 */
class SplitOpsTest {
    private static float[] gaussian(SplittableRandom r, int n, double scale) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) (r.nextGaussian() * scale);
        return a;
    }

    @Test
    void swigluSplitAcrossThreadsEqualsTheFormulaBitForBit() {
        int n = 2048 + 37;
        SplittableRandom r = new SplittableRandom(11);
        float[] gate = gaussian(r, n, 4), up = gaussian(r, n, 1);
        try (CpuBackend split = new CpuBackend(3, 0)) {
            Buffer g = split.allocate(n), u = split.allocate(n);
            split.write(g, gate);
            split.write(u, up);
            split.swiglu(g, u, n);
            float[] got = new float[n];
            split.read(g, got);
            for (int i = 0; i < n; i++) {
                // silu(v)·u as written in the design: v / (1 + e^-v) in double, rounded to float, times u in float
                float expected = (float) (gate[i] / (1.0 + StrictMath.exp(-gate[i]))) * up[i];
                assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(got[i]), "element " + i);
            }
        }
    }

    @Test
    void decodeAttentionSplitAcrossHeadsEqualsOneThreadAndANaiveSoftmax() {
        int heads = 12, kvHeads = 4, headDim = 64, pos0 = 150, qDim = heads * headDim, kvDim = kvHeads * headDim;
        SplittableRandom r = new SplittableRandom(12);
        float[] q = gaussian(r, qDim, 1), k = gaussian(r, (pos0 + 1) * kvDim, 1), v = gaussian(r, (pos0 + 1) * kvDim, 1);
        float[][] outs = new float[2][];
        // 3 threads with every job split, and 1 thread: the same bits
        try (CpuBackend split = new CpuBackend(3, 0); CpuBackend one = new CpuBackend(1)) {
            CpuBackend[] backends = {split, one};
            for (int b = 0; b < 2; b++) {
                CpuBackend be = backends[b];
                Buffer qb = be.allocate(qDim), kb = be.allocate(k.length), vb = be.allocate(v.length), out = be.allocate(qDim);
                be.write(qb, q);
                be.write(kb, k);
                be.write(vb, v);
                be.attention(out, qb, kb, vb, 1, pos0, heads, kvHeads, headDim);
                outs[b] = new float[qDim];
                be.read(out, outs[b]);
            }
        }
        for (int i = 0; i < qDim; i++) assertEquals(Float.floatToRawIntBits(outs[1][i]), Float.floatToRawIntBits(outs[0][i]), "output " + i);
        int group = heads / kvHeads, len = pos0 + 1;
        for (int h = 0; h < heads; h++) {
            int kvOff = (h / group) * headDim;
            double[] p = new double[len];
            double max = Double.NEGATIVE_INFINITY, sum = 0;
            for (int j = 0; j < len; j++) {
                double s = 0;
                for (int d = 0; d < headDim; d++) s += (double) q[h * headDim + d] * k[j * kvDim + kvOff + d];
                p[j] = s / Math.sqrt(headDim);
                max = Math.max(max, p[j]);
            }
            for (int j = 0; j < len; j++) sum += p[j] = Math.exp(p[j] - max);
            for (int d = 0; d < headDim; d++) {
                double o = 0;
                for (int j = 0; j < len; j++) o += p[j] / sum * v[j * kvDim + kvOff + d];
                assertEquals(o, outs[0][h * headDim + d], 1e-5, "head " + h + ", dim " + d);
            }
        }
    }

    /**
     * Attention gives, bit for bit, its summation rule written out in scalar code: each score is
     * {@link RowDot#dot}'s order (one FMA chain per lane over whole vectors, lanes added left to right,
     * then the tail), each output lane of the weighted sum one FMA chain over the positions in order (a
     * plain multiply-add past the last whole vector). Head sizes with and without a tail, context lengths
     * that are and are not whole blocks of four keys, one and several query rows.
     */
    @Test
    void attentionGivesTheBitsOfItsSummationRuleWrittenOutInScalar() {
        int L = RowDot.F.length();
        for (int headDim : new int[] {64, 43, 5}) {
            for (int pos0 : new int[] {0, 2, 7, 150}) {
                int rows = pos0 == 2 ? 3 : 1, heads = 4, kvHeads = 2, group = heads / kvHeads;
                int qDim = heads * headDim, kvDim = kvHeads * headDim, positions = pos0 + rows;
                SplittableRandom r = new SplittableRandom(headDim * 1000L + pos0);
                float[] q = gaussian(r, rows * qDim, 1), k = gaussian(r, positions * kvDim, 1), v = gaussian(r, positions * kvDim, 1);
                float[] got = new float[rows * qDim];
                try (CpuBackend be = new CpuBackend(2, 0)) {
                    Buffer qb = be.allocate(q.length), kb = be.allocate(k.length), vb = be.allocate(v.length), out = be.allocate(got.length);
                    be.write(qb, q);
                    be.write(kb, k);
                    be.write(vb, v);
                    be.attention(out, qb, kb, vb, rows, pos0, heads, kvHeads, headDim);
                    be.read(out, got);
                }
                float scale = (float) (1.0 / Math.sqrt(headDim));
                int whole = headDim - headDim % L;
                for (int t = 0; t < rows; t++) {
                    for (int h = 0; h < heads; h++) {
                        int qOff = t * qDim + h * headDim, kvOff = (h / group) * headDim, len = pos0 + t + 1;
                        float[] p = new float[len];
                        float max = Float.NEGATIVE_INFINITY;
                        for (int j = 0; j < len; j++) {
                            float[] lanes = new float[L];
                            for (int i = 0; i < whole; i++) lanes[i % L] = Math.fma(q[qOff + i], k[j * kvDim + kvOff + i], lanes[i % L]);
                            float sum = 0f;
                            for (int l = 0; l < L; l++) sum += lanes[l];
                            for (int i = whole; i < headDim; i++) sum += q[qOff + i] * k[j * kvDim + kvOff + i];
                            p[j] = sum * scale;
                            max = Math.max(max, p[j]);
                        }
                        double total = 0;
                        for (int j = 0; j < len; j++) total += p[j] = (float) StrictMath.exp(p[j] - max);
                        float inv = 1f / (float) total;
                        for (int d = 0; d < headDim; d++) {
                            float acc = 0f;
                            for (int j = 0; j < len; j++) {
                                float vd = v[j * kvDim + kvOff + d];
                                acc = d < whole ? Math.fma(vd, p[j], acc) : acc + p[j] * vd;
                            }
                            String where = "headDim " + headDim + ", pos0 " + pos0 + ", row " + t + ", head " + h + ", dim " + d;
                            assertEquals(Float.floatToRawIntBits(acc * inv), Float.floatToRawIntBits(got[qOff + d]), where);
                        }
                    }
                }
            }
        }
    }
}
