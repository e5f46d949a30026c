package io.scalpel.backend.cpu;

/**
 * Rotary position embedding, "rotate_half" pairing (i, i + headDim/2) — the Java reference of
 * {@code rope.cu}. The angle tables are precomputed in double by {@code RopeTable}.
 */
final class Rope {
    private Rope() {}

    static void run(CpuBuffer x, int rows, int heads, int headDim, int pos0, CpuBuffer cos, CpuBuffer sin) {
        int half = headDim / 2;
        float[] a = x.array(), c = cos.array(), s = sin.array();
        for (int t = 0; t < rows; t++) {
            int tab = (pos0 + t) * half;
            for (int h = 0; h < heads; h++) {
                int base = x.offset() + (t * heads + h) * headDim;
                for (int i = 0; i < half; i++) {
                    float x0 = a[base + i], x1 = a[base + i + half];
                    float ci = c[cos.offset() + tab + i], si = s[sin.offset() + tab + i];
                    a[base + i] = x0 * ci - x1 * si;
                    a[base + i + half] = x1 * ci + x0 * si;
                }
            }
        }
    }
}
