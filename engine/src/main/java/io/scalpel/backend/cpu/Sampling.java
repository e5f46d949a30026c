package io.scalpel.backend.cpu;

import java.util.Arrays;

/** Argmax and temperature / top-k / top-p sampling — the Java reference of {@code sampling.cu}. */
final class Sampling {
    private Sampling() {}

    static int argmax(float[] x, int off, int n) {
        int best = 0;
        float bestValue = x[off];
        for (int i = 1; i < n; i++) {
            float v = x[off + i];
            if (v > bestValue) {
                bestValue = v;
                best = i;
            }
        }
        return best;
    }

    static int sample(float[] logits, int off, int n, float temperature, int topK, float topP, double uniform) {
        if (!(temperature > 0)) throw new IllegalArgumentException("temperature must be > 0 to sample, got " + temperature);
        float max = logits[off + argmax(logits, off, n)];
        double[] p = new double[n];
        for (int i = 0; i < n; i++) p[i] = StrictMath.exp((logits[off + i] - max) / temperature);
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
