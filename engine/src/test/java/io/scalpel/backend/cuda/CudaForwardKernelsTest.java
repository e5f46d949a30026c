package io.scalpel.backend.cuda;

import io.scalpel.backend.Backend;
import io.scalpel.backend.Buffer;
import io.scalpel.backend.Weight;
import io.scalpel.backend.cpu.CpuBackend;
import io.scalpel.tensor.DType;
import io.scalpel.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static io.scalpel.backend.cuda.GpuTestSupport.HALF_TOLERANCE;
import static io.scalpel.backend.cuda.GpuTestSupport.FP32_TOLERANCE;
import static io.scalpel.backend.cuda.GpuTestSupport.assertClose;
import static io.scalpel.backend.cuda.GpuTestSupport.filled;
import static io.scalpel.backend.cuda.GpuTestSupport.gaussian;
import static io.scalpel.backend.cuda.GpuTestSupport.poisoned;
import static io.scalpel.backend.cuda.GpuTestSupport.read;
import static io.scalpel.backend.cuda.GpuTestSupport.tensor;
import static io.scalpel.backend.cuda.GpuTestSupport.tolerance;

/**
 * Every forward-pass kernel against {@link CpuBackend} on the same random inputs, at sizes that are not
 * multiples of any block or tile, with GPU outputs poisoned (NaN) first. Skips with "no CUDA device" where
 * there is none.
 */
class CudaForwardKernelsTest extends GpuVsCpuTest {
    /** Runs {@code op} on both backends with the same inputs and compares the first output. */
    private interface Op {
        Buffer run(Backend backend);
    }

    private void compare(Op op, int outputLength, double tolerance, String what) {
        Buffer expectedBuffer = op.run(cpu);
        Buffer actualBuffer = op.run(gpu);
        assertClose(read(cpu, expectedBuffer, outputLength), read(gpu, actualBuffer, outputLength), tolerance, what);
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "F16", "BF16"})
    void embed(DType dtype) {
        Random r = new Random(1);
        int vocab = 1001, dim = 333;
        Tensor table = tensor("embed", dtype, gaussian(r, vocab * dim, 1), vocab, dim);
        int[] tokens = {0, 1000, 17, 17, 512, 3, 999};
        compare(b -> {
            Weight w = b.upload(table);
            Buffer out = poisoned(b, tokens.length * dim);
            b.embed(out, w, tokens);
            return out;
        }, tokens.length * dim, 0, "embed " + dtype);
    }

    @ParameterizedTest
    @CsvSource({"F32,5,1000", "F16,3,4096", "BF16,7,333", "F32,1,64"})
    void rmsNorm(DType dtype, int rows, int dim) {
        Random r = new Random(2);
        float[] x = gaussian(r, rows * dim, 3);
        Tensor gamma = tensor("norm", dtype, gaussian(r, dim, 1), dim);
        compare(b -> {
            Buffer out = poisoned(b, rows * dim);
            b.rmsNorm(out, filled(b, x), b.upload(gamma), rows, dim, 1e-5f);
            return out;
        }, rows * dim, FP32_TOLERANCE, "rmsNorm " + dtype);
        compare(b -> {  // in place, as the forward pass may call it
            Buffer xb = filled(b, x);
            b.rmsNorm(xb, xb, b.upload(gamma), rows, dim, 1e-6f);
            return xb;
        }, rows * dim, FP32_TOLERANCE, "rmsNorm in place " + dtype);
    }

    /** k = 1003 takes the scalar path (not a multiple of 8), 4096 the 16-byte path. */
    @ParameterizedTest
    @CsvSource({"F32,777,1003", "F32,777,4096", "F16,777,1003", "F16,1031,4096", "BF16,777,1003", "BF16,513,4096", "BF16,9,8"})
    void matvec(DType dtype, int n, int k) {
        Random r = new Random(3);
        Tensor w = tensor("w", dtype, gaussian(r, n * k, 0.05), n, k);
        float[] x = gaussian(r, k, 1);
        compare(b -> {
            Buffer out = poisoned(b, n);
            b.matmul(out, filled(b, x), b.upload(w), 1);
            return out;
        }, n, tolerance(dtype), "matvec " + dtype + " n=" + n + " k=" + k);
    }

    static Stream<Arguments> matmulCases() {
        List<Arguments> cases = new ArrayList<>();
        for (MatmulVariant v : MatmulVariant.values()) {
            for (DType t : GpuTestSupport.FLOAT_TYPES) {
                cases.add(Arguments.of(v, t, 37, 300, 1003));
                cases.add(Arguments.of(v, t, 130, 97, 256));
                cases.add(Arguments.of(v, t, 2, 65, 17));
            }
        }
        return cases.stream();
    }

    @ParameterizedTest
    @MethodSource("matmulCases")
    void matmul(MatmulVariant variant, DType dtype, int rows, int n, int k) {
        Random r = new Random(4);
        Tensor w = tensor("w", dtype, gaussian(r, n * k, 0.05), n, k);
        float[] x = gaussian(r, rows * k, 1);
        Buffer expected = cpu.allocate((long) rows * n);
        cpu.matmul(expected, filled(cpu, x), cpu.upload(w), rows);
        Buffer actual = poisoned(gpu, rows * n);
        gpu.matmul(actual, filled(gpu, x), gpu.upload(w), rows, variant);
        assertClose(read(cpu, expected, rows * n), read(gpu, actual, rows * n), tolerance(dtype),
                "matmul " + variant + " (runs " + gpu.effectiveVariant(variant, dtype) + ") " + dtype + " " + rows + "x" + n + "x" + k);
    }

    /**
     * Activations beyond F16's 65504 (and tiny ones) through the tensor-core path: each row's error is judged on
     * its own, so a huge row cannot hide a small row's damage. Before the per-row scaling the F16 hi half
     * overflowed to inf for |x| > 65504.
     */
    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F16", "BF16"})
    void tensorCoreMatmulOfHugeActivations(DType dtype) {
        Random r = new Random(41);
        int rows = 70, n = 97, k = 300;  // 70 rows: two 64-row block tiles, the second partial
        double[] rowScale = {1e9, 70_000, 1e5, 1, 1e-3, 1e-6, 0};
        Tensor w = tensor("w", dtype, gaussian(r, n * k, 0.05), n, k);
        float[] x = new float[rows * k];
        for (int i = 0; i < rows; i++) {
            double scale = rowScale[i % rowScale.length];
            for (int j = 0; j < k; j++) x[i * k + j] = (float) (r.nextGaussian() * scale);
        }
        Buffer expected = cpu.allocate((long) rows * n);
        cpu.matmul(expected, filled(cpu, x), cpu.upload(w), rows);
        Buffer actual = poisoned(gpu, rows * n);
        gpu.matmul(actual, filled(gpu, x), gpu.upload(w), rows, MatmulVariant.TENSOR_CORE);
        float[] e = read(cpu, expected, rows * n), a = read(gpu, actual, rows * n);
        for (int i = 0; i < rows; i++) {
            assertClose(java.util.Arrays.copyOfRange(e, i * n, (i + 1) * n), java.util.Arrays.copyOfRange(a, i * n, (i + 1) * n),
                    HALF_TOLERANCE, "tensor-core " + dtype + " row " + i + " (|x| ~ " + rowScale[i % rowScale.length] + ")");
        }
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "F16", "BF16"})
    void addBias(DType dtype) {
        Random r = new Random(5);
        int rows = 7, cols = 1001;
        float[] x = gaussian(r, rows * cols, 1);
        Tensor bias = tensor("bias", dtype, gaussian(r, cols, 1), cols);
        compare(b -> {
            Buffer xb = filled(b, x);
            b.addBias(xb, b.upload(bias), rows);
            return xb;
        }, rows * cols, FP32_TOLERANCE, "addBias " + dtype);
    }

    @ParameterizedTest
    @CsvSource({"5,3,64,7", "1,32,128,1000", "19,4,10,0", "2,2,256,33"})
    void rope(int rows, int heads, int headDim, int pos0) {
        Random r = new Random(6);
        int half = headDim / 2, maxPositions = pos0 + rows + 3;
        float[] x = gaussian(r, rows * heads * headDim, 1);
        float[] cos = new float[maxPositions * half], sin = new float[maxPositions * half];
        for (int p = 0; p < maxPositions; p++) {
            for (int i = 0; i < half; i++) {
                double angle = p * Math.pow(10000, -2.0 * i / headDim);
                cos[p * half + i] = (float) Math.cos(angle);
                sin[p * half + i] = (float) Math.sin(angle);
            }
        }
        compare(b -> {
            Buffer xb = filled(b, x);
            b.rope(xb, rows, heads, headDim, pos0, filled(b, cos), filled(b, sin));
            return xb;
        }, rows * heads * headDim, FP32_TOLERANCE, "rope rows=" + rows + " heads=" + heads + " d=" + headDim + " pos0=" + pos0);
    }

    /** Decode shapes (fewer than 16 rows: split + combine) and prefill shapes (tiled flash kernel); GQA and plain. */
    @ParameterizedTest
    @CsvSource({
            "1,0,8,2,64", "1,300,8,2,64", "1,1500,4,4,128", "1,77,6,3,80", "5,40,8,2,64", "15,1000,2,1,256",
            "16,0,4,2,64", "37,0,8,2,64", "37,50,4,4,128", "100,0,2,1,80", "33,20,2,2,256"})
    void attention(int rows, int pos0, int heads, int kvHeads, int headDim) {
        Random r = new Random(7);
        int positions = pos0 + rows, capacity = positions + 5;
        float[] q = gaussian(r, rows * heads * headDim, 1);
        float[] k = gaussian(r, capacity * kvHeads * headDim, 1);
        float[] v = gaussian(r, capacity * kvHeads * headDim, 1);
        compare(b -> {
            Buffer out = poisoned(b, rows * heads * headDim);
            b.attention(out, filled(b, q), filled(b, k), filled(b, v), rows, pos0, heads, kvHeads, headDim);
            return out;
        }, rows * heads * headDim, FP32_TOLERANCE, "attention rows=" + rows + " pos0=" + pos0 + " heads=" + heads + "/" + kvHeads + " d=" + headDim);
    }

    @Test
    void attentionReadsCacheSlices() {
        Random r = new Random(8);
        int rows = 3, pos0 = 10, heads = 4, kvHeads = 2, headDim = 64, kvDim = kvHeads * headDim;
        float[] q = gaussian(r, rows * heads * headDim, 1), cache = gaussian(r, 2 * 20 * kvDim, 1);
        compare(b -> {
            Buffer both = filled(b, cache);  // K then V in one allocation, as slices
            Buffer out = poisoned(b, rows * heads * headDim + 5).slice(5, (long) rows * heads * headDim);
            b.attention(out, filled(b, q), both.slice(0, 20L * kvDim), both.slice(20L * kvDim, 20L * kvDim), rows, pos0, heads, kvHeads, headDim);
            return out;
        }, rows * heads * headDim, FP32_TOLERANCE, "attention on slices");
    }

    @Test
    void swigluAndAdd() {
        Random r = new Random(9);
        int n = 10007;
        float[] g = gaussian(r, n, 3), u = gaussian(r, n, 1);
        compare(b -> {
            Buffer gb = filled(b, g);
            b.swiglu(gb, filled(b, u), n);
            return gb;
        }, n, FP32_TOLERANCE, "swiglu");
        compare(b -> {
            Buffer gb = filled(b, g);
            b.add(gb, filled(b, u), n);
            return gb;
        }, n, 0, "add");
    }
}
