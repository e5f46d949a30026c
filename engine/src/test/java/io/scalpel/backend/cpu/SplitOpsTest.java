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
}
