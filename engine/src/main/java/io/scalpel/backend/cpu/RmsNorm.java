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

    static void run(CpuBuffer out, CpuBuffer x, MemorySegment gamma, DType dtype, int rows, int dim, float eps) {
        float[] xa = x.array(), oa = out.array();
        int L = F.length();
        for (int r = 0; r < rows; r++) {
            int xo = x.offset() + r * dim, oo = out.offset() + r * dim;
            FloatVector acc = FloatVector.zero(F);
            int i = 0;
            for (; i + L <= dim; i += L) {
                FloatVector v = FloatVector.fromArray(F, xa, xo + i);
                acc = v.fma(v, acc);
            }
            float ss = acc.reduceLanes(VectorOperators.ADD);
            for (; i < dim; i++) ss += xa[xo + i] * xa[xo + i];
            float inv = (float) (1.0 / Math.sqrt((double) ss / dim + eps));
            i = 0;
            for (; i + L <= dim; i += L) {
                FloatVector g = switch (dtype) {
                    case F32 -> FloatVector.fromMemorySegment(F, gamma, 4L * i, Widen.LE);
                    case BF16 -> Widen.bf16(gamma, 2L * i);
                    case F16 -> Widen.f16(gamma, 2L * i);
                    case I32 -> throw new IllegalArgumentException("I32 norm gains");
                };
                FloatVector.fromArray(F, xa, xo + i).mul(inv).mul(g).intoArray(oa, oo + i);
            }
            for (; i < dim; i++) oa[oo + i] = xa[xo + i] * inv * Widen.scalar(gamma, dtype, 0, i);
        }
    }
}
