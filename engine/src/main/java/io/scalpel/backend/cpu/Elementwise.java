package io.scalpel.backend.cpu;

import io.scalpel.tensor.DType;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;

/** The element-wise ops of the forward pass: residual and bias adds a vector at a time, SwiGLU. */
final class Elementwise {
    private static final VectorSpecies<Float> F = Widen.F;

    private Elementwise() {}

    /** {@code x[xo + i] += y[yo + i]} for i in [0, n). */
    static void add(float[] x, int xo, float[] y, int yo, int n) {
        int L = F.length(), i = 0;
        for (; i + L <= n; i += L) FloatVector.fromArray(F, x, xo + i).add(FloatVector.fromArray(F, y, yo + i)).intoArray(x, xo + i);
        for (; i < n; i++) x[xo + i] += y[yo + i];
    }

    /** {@code x[xo + i] += b[i]} for i in [0, n), b a stored vector read from the mapping. */
    static void addStored(float[] x, int xo, MemorySegment b, DType dtype, int n) {
        int L = F.length(), i = 0;
        // One loop per dtype: a vector merged across switch arms would be boxed if an arm were not inlined.
        switch (dtype) {
            case F32 -> { for (; i + L <= n; i += L) FloatVector.fromArray(F, x, xo + i).add(FloatVector.fromMemorySegment(F, b, 4L * i, Widen.LE)).intoArray(x, xo + i); }
            case BF16 -> { for (; i + L <= n; i += L) FloatVector.fromArray(F, x, xo + i).add(Widen.bf16(b, 2L * i)).intoArray(x, xo + i); }
            case F16 -> { for (; i + L <= n; i += L) FloatVector.fromArray(F, x, xo + i).add(Widen.f16(b, 2L * i)).intoArray(x, xo + i); }
            case I32 -> throw new IllegalArgumentException("I32 bias");
        }
        for (; i < n; i++) x[xo + i] += Widen.scalar(b, dtype, 0, i);
    }

    /**
     * {@code g[go + i] = silu(g[go + i]) · u[uo + i]}, silu(v) = v / (1 + e^-v), with StrictMath's exp:
     * the same bits interpreted or compiled (a vector exp differs between the two in the last bit).
     */
    static void swiglu(float[] g, int go, float[] u, int uo, int n) {
        for (int i = 0; i < n; i++) {
            float v = g[go + i];
            g[go + i] = (float) (v / (1.0 + StrictMath.exp(-v))) * u[uo + i];
        }
    }
}
