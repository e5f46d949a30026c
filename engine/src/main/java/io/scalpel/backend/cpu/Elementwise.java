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
     * {@code g[go + i] = silu(g[go + i]) · u[uo + i]}, silu(v) = v / (1 + e^-v) in fp32 with {@link VectorExp}'s
     * exp: the same bits interpreted or compiled, in the vector lanes and the scalar tail alike.
     */
    static void swiglu(float[] g, int go, float[] u, int uo, int n) {
        int L = F.length(), i = 0;
        for (; i + L <= n; i += L) {
            FloatVector v = FloatVector.fromArray(F, g, go + i);
            v.div(VectorExp.exp(v.neg()).add(1f)).mul(FloatVector.fromArray(F, u, uo + i)).intoArray(g, go + i);
        }
        for (; i < n; i++) {
            float v = g[go + i];
            g[go + i] = v / (1f + VectorExp.scalar(-v)) * u[uo + i];
        }
    }
}
