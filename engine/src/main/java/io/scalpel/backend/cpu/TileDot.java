package io.scalpel.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The prefill (matrix-matrix) kernel: four widened weight rows against four activation rows at a time,
 * sixteen accumulators in registers, so each load feeds four FMAs instead of one. Four weight rows
 * (4·k floats) stay in L1 while every prompt token streams past them, so the weights are read from
 * memory once per call, not once per token. Summation order as {@link RowDot}: results equal decode's
 * bit for bit (between compiled runs).
 */
final class TileDot {
    static final VectorSpecies<Float> F = Widen.F;

    private TileDot() {}

    /**
     * {@code out[(t0+a)·n + j+r] = w[r·k ..] · x[(t0+a)·k ..]} for r, a in 0..3: weight rows j..j+3
     * widened in {@code w} (row r at {@code r·k}), activations {@code x} [*, k] from {@code xOff}.
     */
    static void tile4x4(float[] w, int k, float[] x, int xOff, int t0, float[] out, int outOff, int n, int j) {
        int L = F.length(), i = 0;
        int x0 = xOff + t0 * k, x1 = x0 + k, x2 = x1 + k, x3 = x2 + k;
        int w1 = k, w2 = 2 * k, w3 = 3 * k;
        FloatVector z = FloatVector.zero(F);
        FloatVector c00 = z, c01 = z, c02 = z, c03 = z, c10 = z, c11 = z, c12 = z, c13 = z;
        FloatVector c20 = z, c21 = z, c22 = z, c23 = z, c30 = z, c31 = z, c32 = z, c33 = z;
        for (; i + L <= k; i += L) {
            FloatVector v0 = FloatVector.fromArray(F, w, i), v1 = FloatVector.fromArray(F, w, w1 + i);
            FloatVector v2 = FloatVector.fromArray(F, w, w2 + i), v3 = FloatVector.fromArray(F, w, w3 + i);
            FloatVector a = FloatVector.fromArray(F, x, x0 + i);
            c00 = v0.fma(a, c00); c01 = v1.fma(a, c01); c02 = v2.fma(a, c02); c03 = v3.fma(a, c03);
            a = FloatVector.fromArray(F, x, x1 + i);
            c10 = v0.fma(a, c10); c11 = v1.fma(a, c11); c12 = v2.fma(a, c12); c13 = v3.fma(a, c13);
            a = FloatVector.fromArray(F, x, x2 + i);
            c20 = v0.fma(a, c20); c21 = v1.fma(a, c21); c22 = v2.fma(a, c22); c23 = v3.fma(a, c23);
            a = FloatVector.fromArray(F, x, x3 + i);
            c30 = v0.fma(a, c30); c31 = v1.fma(a, c31); c32 = v2.fma(a, c32); c33 = v3.fma(a, c33);
        }
        int o0 = outOff + t0 * n + j, o1 = o0 + n, o2 = o1 + n, o3 = o2 + n;
        out[o0] = tail(c00.reduceLanes(VectorOperators.ADD), w, 0, x, x0, i, k); out[o0 + 1] = tail(c01.reduceLanes(VectorOperators.ADD), w, w1, x, x0, i, k);
        out[o0 + 2] = tail(c02.reduceLanes(VectorOperators.ADD), w, w2, x, x0, i, k); out[o0 + 3] = tail(c03.reduceLanes(VectorOperators.ADD), w, w3, x, x0, i, k);
        out[o1] = tail(c10.reduceLanes(VectorOperators.ADD), w, 0, x, x1, i, k); out[o1 + 1] = tail(c11.reduceLanes(VectorOperators.ADD), w, w1, x, x1, i, k);
        out[o1 + 2] = tail(c12.reduceLanes(VectorOperators.ADD), w, w2, x, x1, i, k); out[o1 + 3] = tail(c13.reduceLanes(VectorOperators.ADD), w, w3, x, x1, i, k);
        out[o2] = tail(c20.reduceLanes(VectorOperators.ADD), w, 0, x, x2, i, k); out[o2 + 1] = tail(c21.reduceLanes(VectorOperators.ADD), w, w1, x, x2, i, k);
        out[o2 + 2] = tail(c22.reduceLanes(VectorOperators.ADD), w, w2, x, x2, i, k); out[o2 + 3] = tail(c23.reduceLanes(VectorOperators.ADD), w, w3, x, x2, i, k);
        out[o3] = tail(c30.reduceLanes(VectorOperators.ADD), w, 0, x, x3, i, k); out[o3 + 1] = tail(c31.reduceLanes(VectorOperators.ADD), w, w1, x, x3, i, k);
        out[o3 + 2] = tail(c32.reduceLanes(VectorOperators.ADD), w, w2, x, x3, i, k); out[o3 + 3] = tail(c33.reduceLanes(VectorOperators.ADD), w, w3, x, x3, i, k);
    }

    /** As {@link #tile4x4} for one activation row {@code t}. */
    static void tile4x1(float[] w, int k, float[] x, int xOff, int t, float[] out, int outOff, int n, int j) {
        int L = F.length(), i = 0;
        int x0 = xOff + t * k, w1 = k, w2 = 2 * k, w3 = 3 * k;
        FloatVector c0 = FloatVector.zero(F), c1 = c0, c2 = c0, c3 = c0;
        for (; i + L <= k; i += L) {
            FloatVector a = FloatVector.fromArray(F, x, x0 + i);
            c0 = FloatVector.fromArray(F, w, i).fma(a, c0);
            c1 = FloatVector.fromArray(F, w, w1 + i).fma(a, c1);
            c2 = FloatVector.fromArray(F, w, w2 + i).fma(a, c2);
            c3 = FloatVector.fromArray(F, w, w3 + i).fma(a, c3);
        }
        int o = outOff + t * n + j;
        out[o] = tail(c0.reduceLanes(VectorOperators.ADD), w, 0, x, x0, i, k);
        out[o + 1] = tail(c1.reduceLanes(VectorOperators.ADD), w, w1, x, x0, i, k);
        out[o + 2] = tail(c2.reduceLanes(VectorOperators.ADD), w, w2, x, x0, i, k);
        out[o + 3] = tail(c3.reduceLanes(VectorOperators.ADD), w, w3, x, x0, i, k);
    }

    /** Adds the scalar tail {@code [from, k)} of one dot product to {@code sum} (no vector crosses a call: see {@link RowDot}). */
    private static float tail(float sum, float[] w, int wOff, float[] x, int xOff, int from, int k) {
        for (int i = from; i < k; i++) sum += w[wOff + i] * x[xOff + i];
        return sum;
    }
}
