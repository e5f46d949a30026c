package io.scalpel.backend.cuda;

import io.scalpel.backend.Buffer;
import io.scalpel.tensor.DType;
import io.scalpel.tensor.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;

import static io.scalpel.backend.cuda.GpuTestSupport.FP32_TOLERANCE;
import static io.scalpel.backend.cuda.GpuTestSupport.assertClose;
import static io.scalpel.backend.cuda.GpuTestSupport.gaussian;
import static io.scalpel.backend.cuda.GpuTestSupport.poisoned;

/**
 * quant_matvec.cu against {@code CpuBackend.matmul} on the same quantized weights (Q8_0, Q4_0, Q4_K, Q6_K,
 * encoded by the Java quantizers): decode (one x row) and prefill (several, strided over grid y), outputs
 * poisoned first, within the fp32 tolerance (both decode the blocks to the reference values; only the
 * summation order differs). Skips with "no CUDA device" where there is none.
 */
class CudaQuantMatvecTest extends GpuVsCpuTest {

    @ParameterizedTest
    @CsvSource({"Q8_0,1,203,1536", "Q8_0,7,64,96", "Q4_0,1,203,1536", "Q4_0,5,33,64",
            "Q4_K,1,203,1536", "Q4_K,6,37,512", "Q6_K,1,203,1536", "Q6_K,3,41,256"})
    void matchesTheCpuKernel(DType dtype, int rows, int n, int k) {
        Random r = new Random(8);
        float[] values = gaussian(r, n * k, 0.05);
        try (Arena arena = Arena.ofShared()) {
            MemorySegment bytes = arena.allocate(dtype.byteSize((long) n * k), 64);
            dtype.codec().encodeRow(values, 0, values.length, bytes, 0);
            Tensor w = new Tensor("w", dtype, new long[] {n, k}, bytes);
            float[] x = gaussian(r, rows * k, 1);
            float[] expected = run(cpu, w, x, rows, n, k);
            float[] actual = run(gpu, w, x, rows, n, k);
            assertClose(expected, actual, FP32_TOLERANCE, "matvec " + dtype + " rows=" + rows + " n=" + n + " k=" + k);
        }
    }

    private static float[] run(io.scalpel.backend.Backend b, Tensor w, float[] x, int rows, int n, int k) {
        Buffer xb = b.allocate((long) rows * k);
        b.write(xb, x);
        Buffer out = poisoned(b, rows * n);
        b.matmul(out, xb, b.upload(w), rows);
        float[] result = new float[rows * n];
        b.read(out, result);
        return result;
    }
}
