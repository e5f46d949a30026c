package io.scalpel.backend.cpu;

import io.scalpel.tensor.Tensor;

/** {@code out = x / sqrt(mean(x²) + eps) * gamma}, row by row — the Java reference of {@code rmsnorm.cu}. */
final class RmsNorm {
    private RmsNorm() {}

    static void run(CpuBuffer out, CpuBuffer x, Tensor gamma, float[] gammaScratch, int rows, int dim, float eps) {
        gamma.toFloats(0, gammaScratch, 0, dim);
        float[] xa = x.array(), oa = out.array();
        for (int r = 0; r < rows; r++) {
            int xo = x.offset() + r * dim, oo = out.offset() + r * dim;
            double ss = 0;
            for (int i = 0; i < dim; i++) ss += (double) xa[xo + i] * xa[xo + i];
            float inv = (float) (1.0 / Math.sqrt(ss / dim + eps));
            for (int i = 0; i < dim; i++) oa[oo + i] = xa[xo + i] * inv * gammaScratch[i];
        }
    }
}
