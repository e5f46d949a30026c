package io.scalpel.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Rotary position embedding, "rotate_half" pairing (i, i + headDim/2) — the Java reference of
 * {@code rope.cu}. The angle tables are precomputed in double by {@code RopeTable}; a vector of pairs
 * is rotated at a time where the half head is wide enough.
 */
final class Rope {
    private static final VectorSpecies<Float> F = Widen.F;

    private Rope() {}

    /** Rows {@code [from, to)} of a chunk whose row 0 is at position {@code pos0}; rows are independent. */
    static void run(CpuBuffer x, int from, int to, int heads, int headDim, int pos0, CpuBuffer cos, CpuBuffer sin) {
        int half = headDim / 2, L = F.length();
        float[] a = x.array(), c = cos.array(), s = sin.array();
        for (int t = from; t < to; t++) {
            int tab = (pos0 + t) * half;
            for (int h = 0; h < heads; h++) {
                int base = x.offset() + (t * heads + h) * headDim;
                int i = 0;
                for (; i + L <= half; i += L) {
                    FloatVector x0 = FloatVector.fromArray(F, a, base + i), x1 = FloatVector.fromArray(F, a, base + i + half);
                    FloatVector ci = FloatVector.fromArray(F, c, cos.offset() + tab + i), si = FloatVector.fromArray(F, s, sin.offset() + tab + i);
                    x0.mul(ci).sub(x1.mul(si)).intoArray(a, base + i);
                    x1.mul(ci).add(x0.mul(si)).intoArray(a, base + i + half);
                }
                for (; i < half; i++) {
                    float x0 = a[base + i], x1 = a[base + i + half];
                    float ci = c[cos.offset() + tab + i], si = s[sin.offset() + tab + i];
                    a[base + i] = x0 * ci - x1 * si;
                    a[base + i + half] = x1 * ci + x0 * si;
                }
            }
        }
    }
}
