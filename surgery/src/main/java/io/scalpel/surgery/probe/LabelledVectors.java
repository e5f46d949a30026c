package io.scalpel.surgery.probe;

import java.util.Arrays;

/**
 * Probe training input: one pooled hidden-state vector per text and its class (1 = avoid, 0 = keep).
 * Arrays are not copied (they can be large); callers must not change them afterwards.
 */
public record LabelledVectors(float[][] vectors, int[] labels) {
    public LabelledVectors {
        if (vectors.length != labels.length) {
            throw new IllegalArgumentException(vectors.length + " vectors but " + labels.length + " labels");
        }
        int d = vectors.length == 0 ? 0 : vectors[0].length;
        for (int i = 0; i < vectors.length; i++) {
            if (vectors[i].length != d) throw new IllegalArgumentException("vector " + i + " has length " + vectors[i].length + ", vector 0 has " + d);
            if (labels[i] != 0 && labels[i] != 1) throw new IllegalArgumentException("label " + i + " is " + labels[i] + ", must be 0 or 1");
            for (float v : vectors[i]) {
                if (!Float.isFinite(v)) throw new IllegalArgumentException("vector " + i + " holds a non-finite value " + v);
            }
        }
    }

    public int size() { return labels.length; }

    /** Vector length; 0 when there are no vectors. */
    public int dimension() { return vectors.length == 0 ? 0 : vectors[0].length; }

    public long countOf(int label) { return Arrays.stream(labels).filter(l -> l == label).count(); }
}
