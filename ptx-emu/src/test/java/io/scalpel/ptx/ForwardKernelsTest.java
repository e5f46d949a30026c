package io.scalpel.ptx;

import io.scalpel.kernels.PtxModule;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static io.scalpel.ptx.EmulatedKernels.dim;
import static io.scalpel.ptx.EmulatedKernels.relativeL2;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The committed forward-pass kernels on the interpreter against plain-Java references computed in double,
 * at awkward sizes, outputs poisoned with NaN first. Tolerances as in the engine's GPU tests: 1e-5 relative
 * L2 for fp32 data, 2e-3 where weights are 16-bit and the tensor cores see 16-bit inputs.
 */
class ForwardKernelsTest {

    private final Random rnd = new Random(12);

    @Test
    void rmsnormMatchesReference() {
        EmulatedKernels k = new EmulatedKernels(PtxModule.RMSNORM, Sanitizers.ALL);
        int rows = 37, dim = 333;
        float[] x = EmulatedKernels.random(rnd, rows * dim, 1.5f), gamma = EmulatedKernels.random(rnd, dim, 1f);
        long px = k.upload(x), pg = k.upload(EmulatedKernels.toBf16(gamma)), out = k.poisoned(rows * dim);
        k.launch("rmsnorm_bf16", dim(rows), dim(256), 0, a -> a.pointer(out).pointer(px).pointer(pg).int32(rows).int32(dim).float32(1e-5f));
        double[] expected = new double[rows * dim];
        for (int r = 0; r < rows; r++) {
            double ss = 0;
            for (int c = 0; c < dim; c++) ss += (double) x[r * dim + c] * x[r * dim + c];
            double inv = 1 / Math.sqrt(ss / dim + 1e-5);
            for (int c = 0; c < dim; c++) expected[r * dim + c] = x[r * dim + c] * inv * EmulatedKernels.fromBf16(EmulatedKernels.toBf16(gamma)[c]);
        }
        assertTrue(relativeL2(k.floats(out, rows * dim), expected) < 1e-5);
    }

    @Test
    void matvecMatchesReferenceOnVectorAndScalarPaths() {
        EmulatedKernels k = new EmulatedKernels(PtxModule.MATVEC, Sanitizers.ALL);
        for (int kk : new int[] {1024, 333}) {
            int n = 37;
            float[] x = EmulatedKernels.random(rnd, kk, 1f), w = EmulatedKernels.random(rnd, n * kk, 0.1f);
            short[] wh = EmulatedKernels.toHalf(w);
            long px = k.upload(x), pw = k.upload(wh), pw32 = k.upload(w), out = k.poisoned(n), out32 = k.poisoned(n);
            int blocks = (n + 7) / 8;
            k.launch("matvec_f16", dim(blocks), dim(256), 0, a -> a.pointer(out).pointer(px).pointer(pw).int32(1).int32(n).int32(kk));
            k.launch("matvec_f32", dim(blocks), dim(256), 0, a -> a.pointer(out32).pointer(px).pointer(pw32).int32(1).int32(n).int32(kk));
            double[] expected = new double[n], expected32 = new double[n];
            for (int o = 0; o < n; o++) {
                for (int j = 0; j < kk; j++) {
                    expected[o] += (double) x[j] * EmulatedKernels.fromHalf(wh[o * kk + j]);
                    expected32[o] += (double) x[j] * w[o * kk + j];
                }
            }
            assertTrue(relativeL2(k.floats(out, n), expected) < 1e-5, "f16 k=" + kk);
            assertTrue(relativeL2(k.floats(out32, n), expected32) < 1e-5, "f32 k=" + kk);
        }
    }

    @Test
    void tensorCoreAndTiledMatmulMatchReference() {
        EmulatedKernels k = new EmulatedKernels(PtxModule.MATMUL, Sanitizers.ALL);
        int m = 37, n = 70, kk = 96;
        float[] x = EmulatedKernels.random(rnd, m * kk, 1f), w = EmulatedKernels.random(rnd, n * kk, 0.1f);
        short[] wb = EmulatedKernels.toBf16(w), wh = EmulatedKernels.toHalf(w);
        long px = k.upload(x), pwb = k.upload(wb), pwh = k.upload(wh), pw = k.upload(w);
        int[] grid = dim((n + 63) / 64, (m + 63) / 64);
        for (String kernel : new String[] {"matmul_wmma_bf16", "matmul_wmma_f16", "matmul_tiled_f32"}) {
            long out = k.poisoned(m * n);
            long weights = kernel.endsWith("bf16") ? pwb : kernel.endsWith("f16") ? pwh : pw;
            k.launch(kernel, grid, dim(kernel.contains("wmma") ? 128 : 256), 0,
                    a -> a.pointer(out).pointer(px).pointer(weights).int32(m).int32(n).int32(kk));
            double[] expected = new double[m * n];
            for (int r = 0; r < m; r++)
                for (int o = 0; o < n; o++)
                    for (int j = 0; j < kk; j++) {
                        float wv = kernel.endsWith("bf16") ? EmulatedKernels.fromBf16(wb[o * kk + j])
                                : kernel.endsWith("f16") ? EmulatedKernels.fromHalf(wh[o * kk + j]) : w[o * kk + j];
                        expected[r * n + o] += (double) x[r * kk + j] * wv;
                    }
            double err = relativeL2(k.floats(out, m * n), expected);
            assertTrue(err < (kernel.contains("wmma") ? 2e-3 : 1e-5), kernel + " relative L2 " + err);
        }
    }

    @Test
    void argmaxFindsTheLowestIndexOfTheMaximum() {
        EmulatedKernels k = new EmulatedKernels(PtxModule.SAMPLING, Sanitizers.ALL);
        int n = 3001;
        float[] x = EmulatedKernels.random(rnd, n, 1f);
        x[17] = Float.NaN;
        x[2000] = 9f;
        x[2500] = 9f;
        int partials = 4;
        long px = k.upload(x), values = k.poisoned(partials), indices = k.device.memory().allocate(4L * partials), result = k.device.memory().allocate(4);
        k.launch("argmax_partial", dim(partials), dim(256), 0, a -> a.pointer(values).pointer(indices).pointer(px).int32(n));
        k.launch("argmax_final", dim(1), dim(256), 0, a -> a.pointer(result).pointer(values).pointer(indices).int32(partials));
        assertEquals(2000, k.ints(result, 1)[0]);
    }

    @Test
    void swigluMatchesReference() {
        EmulatedKernels k = new EmulatedKernels(PtxModule.SWIGLU, Sanitizers.ALL);
        int n = 1003;
        float[] g = EmulatedKernels.random(rnd, n, 3f), u = EmulatedKernels.random(rnd, n, 1f);
        long pg = k.upload(g), pu = k.upload(u);
        k.launch("swiglu", dim(4), dim(256), 0, a -> a.pointer(pg).pointer(pu).int64(n));
        float[] out = k.floats(pg, n);
        double[] expected = new double[n];
        for (int i = 0; i < n; i++) expected[i] = g[i] / (1 + Math.exp(-g[i])) * u[i];
        assertTrue(relativeL2(out, expected) < 1e-6);
    }
}
