package io.scalpel.backend.cpu;

import io.scalpel.tensor.DType;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;

/**
 * {@code out = x / sqrt(mean(x²) + eps) * gamma}, row by row — the Java reference of {@code rmsnorm.cu}.
 * The gains are read from the mapping in their stored dtype, so nothing is copied per call.
 */
final class RmsNorm {
    private static final VectorSpecies<Float> F = Widen.F;

    private RmsNorm() {}

    /** Rows {@code [from, to)}; each row on its own, so a split across threads changes no bit. */
    static void run(CpuBuffer out, CpuBuffer x, MemorySegment gamma, DType dtype, int from, int to, int dim, float eps) {
        float[] xa = x.array(), oa = out.array();
        int L = F.length();
        for (int r = from; r < to; r++) {
            int xo = x.offset() + r * dim, oo = out.offset() + r * dim;
            FloatVector acc = FloatVector.zero(F);
            int i = 0;
            for (; i + L <= dim; i += L) {
                FloatVector v = FloatVector.fromArray(F, xa, xo + i);
                acc = v.fma(v, acc);
            }
            float racc = 0f;
            for (int l = 0; l < L; l++) racc += acc.lane(l); // left to right: the same bits interpreted or compiled
            float ss = racc;
            for (; i < dim; i++) ss += xa[xo + i] * xa[xo + i];
            float inv = (float) (1.0 / Math.sqrt((double) ss / dim + eps));
            // One loop per dtype: a vector merged across switch arms would be boxed if an arm were not inlined.
            i = switch (dtype) {
                case F32 -> scaleF32(oa, oo, xa, xo, inv, gamma, dim);
                case BF16 -> scaleBf16(oa, oo, xa, xo, inv, gamma, dim);
                case F16 -> scaleF16(oa, oo, xa, xo, inv, gamma, dim);
                case I32 -> throw new IllegalArgumentException("I32 norm gains");
                case Q8_0, Q4_0, Q4_K, Q6_K -> throw new IllegalArgumentException(dtype + " norm gains (norms are stored F32)");
            };
            for (; i < dim; i++) oa[oo + i] = xa[xo + i] * inv * Widen.scalar(gamma, dtype, 0, i);
        }
    }

    /** {@code out = x · inv · gamma} over whole vectors; returns where the scalar tail starts. */
    private static int scaleF32(float[] oa, int oo, float[] xa, int xo, float inv, MemorySegment gamma, int dim) {
        int L = F.length(), i = 0;
        for (; i + L <= dim; i += L) {
            FloatVector g = FloatVector.fromMemorySegment(F, gamma, 4L * i, Widen.LE);
            FloatVector.fromArray(F, xa, xo + i).mul(inv).mul(g).intoArray(oa, oo + i);
        }
        return i;
    }

    private static int scaleBf16(float[] oa, int oo, float[] xa, int xo, float inv, MemorySegment gamma, int dim) {
        int L = F.length(), i = 0;
        for (; i + L <= dim; i += L) FloatVector.fromArray(F, xa, xo + i).mul(inv).mul(Widen.bf16(gamma, 2L * i)).intoArray(oa, oo + i);
        return i;
    }

    private static int scaleF16(float[] oa, int oo, float[] xa, int xo, float inv, MemorySegment gamma, int dim) {
        int L = F.length(), i = 0;
        for (; i + L <= dim; i += L) FloatVector.fromArray(F, xa, xo + i).mul(inv).mul(Widen.f16(gamma, 2L * i)).intoArray(oa, oo + i);
        return i;
    }
}
