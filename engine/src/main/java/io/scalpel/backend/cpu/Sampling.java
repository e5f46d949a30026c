package io.scalpel.backend.cpu;

import java.util.Arrays;

/** Argmax and temperature / top-k / top-p sampling — the Java reference of {@code sampling.cu}. */
final class Sampling {
    private Sampling() {}

    /** As argmax_partial/_final: NaN never wins (it compares false), the lowest index on ties, 0 when all are NaN. */
    static int argmax(float[] x, int off, int n) {
        int best = -1;
        float bestValue = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            float v = x[off + i];
            if (v > bestValue || (best < 0 && v == bestValue)) {
                bestValue = v;
                best = i;
            }
        }
        return Math.max(best, 0);
    }

    static int sample(float[] logits, int off, int n, float temperature, int topK, float topP, double uniform) {
        if (!(temperature > 0)) throw new IllegalArgumentException("temperature must be > 0 to sample, got " + temperature);
        float max = logits[off + argmax(logits, off, n)];
        if (!(max > Float.NEGATIVE_INFINITY)) return 0;  // nothing finite to draw from (all NaN or -inf), as on the GPU
        double[] p = new double[n];
        for (int i = 0; i < n; i++) {
            float x = logits[off + i];
            p[i] = Float.isNaN(x) ? 0 : StrictMath.exp((x - max) / temperature);  // NaN weighs 0, as on the GPU
        }
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) order[i] = i;
        Arrays.sort(order, (a, b) -> p[a] != p[b] ? Double.compare(p[b], p[a]) : Integer.compare(a, b));
        int keep = topK > 0 ? Math.min(topK, n) : n;
        double total = 0;
        for (int i = 0; i < keep; i++) total += p[order[i]];
        if (topP < 1) {
            double cum = 0;
            for (int i = 0; i < keep; i++) {
                cum += p[order[i]] / total;
                if (cum >= topP) {
                    keep = i + 1;
                    break;
                }
            }
            total = 0;
            for (int i = 0; i < keep; i++) total += p[order[i]];
        }
        double target = uniform * total, cum = 0;
        for (int i = 0; i < keep; i++) {
            cum += p[order[i]];
            if (target < cum) return order[i];
        }
        return order[keep - 1];
    }
}
