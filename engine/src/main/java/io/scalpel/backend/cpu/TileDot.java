package io.scalpel.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The prefill (matrix-matrix) kernel: four widened weight rows against two activation rows at a time,
 * eight accumulators in registers, so each load feeds more than one FMA. Four weight rows
 * (4·k floats) stay in L1 while every prompt token streams past them, so the weights are read from
 * memory once per call, not once per token. Summation order as {@link RowDot}: results equal decode's
 * bit for bit.
 */
final class TileDot {
    static final VectorSpecies<Float> F = Widen.F;

    private TileDot() {}

    /**
     * {@code out[(t0+a)·n + j+r] = w[r·k ..] · x[(t0+a)·k ..]} for r in 0..3, a in 0..1: weight rows
     * j..j+3 widened in {@code w} (row r at {@code r·k}), activations {@code x} [*, k] from {@code xOff}.
     *
     * <p>Why 4×2: eight accumulators, four weight vectors and one activation vector (13 live) fit the
     * 16 vector registers of AVX2; the 4×4 tile used before (21 live) spilled inside its loop and ran
     * at ~⅔ of this one's FLOP rate on Zen 3. Eight independent FMA chains cover two FMA units of
     * 4-cycle latency, and six loads per eight FMAs keep the loop FMA-bound, with 256- or 512-bit
     * vectors alike, so one tile serves AVX2 and AVX-512.
     */
    static void tile4x2(float[] w, int k, float[] x, int xOff, int t0, float[] out, int outOff, int n, int j) {
        int L = F.length(), i = 0;
        int x0 = xOff + t0 * k, x1 = x0 + k;
        int w1 = k, w2 = 2 * k, w3 = 3 * k;
        FloatVector z = FloatVector.zero(F);
        FloatVector c00 = z, c01 = z, c02 = z, c03 = z, c10 = z, c11 = z, c12 = z, c13 = z;
        for (; i + L <= k; i += L) {
            FloatVector v0 = FloatVector.fromArray(F, w, i), v1 = FloatVector.fromArray(F, w, w1 + i);
            FloatVector v2 = FloatVector.fromArray(F, w, w2 + i), v3 = FloatVector.fromArray(F, w, w3 + i);
            FloatVector a = FloatVector.fromArray(F, x, x0 + i);
            c00 = v0.fma(a, c00); c01 = v1.fma(a, c01); c02 = v2.fma(a, c02); c03 = v3.fma(a, c03);
            a = FloatVector.fromArray(F, x, x1 + i);
            c10 = v0.fma(a, c10); c11 = v1.fma(a, c11); c12 = v2.fma(a, c12); c13 = v3.fma(a, c13);
        }
        int o0 = outOff + t0 * n + j, o1 = o0 + n;
        float rc00 = 0f;
        for (int l = 0; l < L; l++) rc00 += c00.lane(l); // left to right: the same bits interpreted or compiled
        float rc01 = 0f;
        for (int l = 0; l < L; l++) rc01 += c01.lane(l); // left to right: the same bits interpreted or compiled
        out[o0] = tail(rc00, w, 0, x, x0, i, k); out[o0 + 1] = tail(rc01, w, w1, x, x0, i, k);
        float rc02 = 0f;
        for (int l = 0; l < L; l++) rc02 += c02.lane(l); // left to right: the same bits interpreted or compiled
        float rc03 = 0f;
        for (int l = 0; l < L; l++) rc03 += c03.lane(l); // left to right: the same bits interpreted or compiled
        out[o0 + 2] = tail(rc02, w, w2, x, x0, i, k); out[o0 + 3] = tail(rc03, w, w3, x, x0, i, k);
        float rc10 = 0f;
        for (int l = 0; l < L; l++) rc10 += c10.lane(l); // left to right: the same bits interpreted or compiled
        float rc11 = 0f;
        for (int l = 0; l < L; l++) rc11 += c11.lane(l); // left to right: the same bits interpreted or compiled
        out[o1] = tail(rc10, w, 0, x, x1, i, k); out[o1 + 1] = tail(rc11, w, w1, x, x1, i, k);
        float rc12 = 0f;
        for (int l = 0; l < L; l++) rc12 += c12.lane(l); // left to right: the same bits interpreted or compiled
        float rc13 = 0f;
        for (int l = 0; l < L; l++) rc13 += c13.lane(l); // left to right: the same bits interpreted or compiled
        out[o1 + 2] = tail(rc12, w, w2, x, x1, i, k); out[o1 + 3] = tail(rc13, w, w3, x, x1, i, k);
    }

    /** As {@link #tile4x2} for one activation row {@code t}. */
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
        float rc0 = 0f;
        for (int l = 0; l < L; l++) rc0 += c0.lane(l); // left to right: the same bits interpreted or compiled
        out[o] = tail(rc0, w, 0, x, x0, i, k);
        float rc1 = 0f;
        for (int l = 0; l < L; l++) rc1 += c1.lane(l); // left to right: the same bits interpreted or compiled
        out[o + 1] = tail(rc1, w, w1, x, x0, i, k);
        float rc2 = 0f;
        for (int l = 0; l < L; l++) rc2 += c2.lane(l); // left to right: the same bits interpreted or compiled
        out[o + 2] = tail(rc2, w, w2, x, x0, i, k);
        float rc3 = 0f;
        for (int l = 0; l < L; l++) rc3 += c3.lane(l); // left to right: the same bits interpreted or compiled
        out[o + 3] = tail(rc3, w, w3, x, x0, i, k);
    }

    /** Adds the scalar tail {@code [from, k)} of one dot product to {@code sum} (no vector crosses a call: see {@link RowDot}). */
    private static float tail(float sum, float[] w, int wOff, float[] x, int xOff, int from, int k) {
        for (int i = from; i < k; i++) sum += w[wOff + i] * x[xOff + i];
        return sum;
    }
}
