package io.scalpel.backend.cuda;

import io.scalpel.backend.Backend;
import io.scalpel.backend.Buffer;
import io.scalpel.backend.Weight;
import io.scalpel.tensor.DType;
import io.scalpel.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;

import static io.scalpel.backend.cuda.GpuTestSupport.FP32_TOLERANCE;
import static io.scalpel.backend.cuda.GpuTestSupport.assertClose;
import static io.scalpel.backend.cuda.GpuTestSupport.filled;
import static io.scalpel.backend.cuda.GpuTestSupport.gaussian;
import static io.scalpel.backend.cuda.GpuTestSupport.poisoned;
import static io.scalpel.backend.cuda.GpuTestSupport.read;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every op other than the matrix-vector product that the forward pass and the surgery run on weights kept in
 * GGUF blocks (Q8_0, Q4_0, Q4_K, Q6_K, encoded by the Java quantizers), against {@code CpuBackend} on the same
 * blocks: the embedding gather bit for bit (both decode to the reference codec's values), the prefill GEMM
 * and the row cosines within the fp32 tolerance (summation order differs), the edit and the raw row
 * copies bit for bit. Skips with "no CUDA device" where there is none (the PTX interpreter stands in).
 */
class CudaQuantOpsTest extends GpuVsCpuTest {
    private static final Arena ARENA = Arena.ofAuto();

    private static Tensor quantized(String name, DType dtype, int rows, int cols, long seed) {
        float[] values = gaussian(new Random(seed), rows * cols, 0.05);
        for (int c = 0; c < cols; c++) values[3 % rows * cols + c] = 0f;  // an all-zero row: cosine 0
        MemorySegment bytes = ARENA.allocate(dtype.byteSize((long) rows * cols), 64);
        dtype.codec().encodeRow(values, 0, values.length, bytes, 0);
        return new Tensor(name, dtype, new long[] {rows, cols}, bytes);
    }

    private static int[] allRows(int n) {
        int[] all = new int[n];
        for (int i = 0; i < n; i++) all[i] = i;
        return all;
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"Q8_0", "Q4_0", "Q4_K", "Q6_K"})
    void embeddingRowsAreTheReferenceValues(DType dtype) {
        int vocab = 37, dim = 512;
        Tensor table = quantized("token_embd", dtype, vocab, dim, 31);
        int[] tokens = {36, 0, 5, 5, 17};
        float[] expected = embed(cpu, table, tokens, dim);
        float[] actual = embed(gpu, table, tokens, dim);
        assertArrayEquals(expected, actual, "embedding rows of " + dtype);
        // The reference decode itself, row 5: what both backends must give.
        float[] row = new float[dim];
        dtype.codec().decodeRow(table.data(), 5 * dtype.rowBytes(dim), dim, row, 0);
        float[] gpuRow5 = new float[dim];
        System.arraycopy(actual, 2 * dim, gpuRow5, 0, dim);
        assertArrayEquals(row, gpuRow5, "row 5 against " + dtype.codec().getClass().getSimpleName() + ".decodeRow");
    }

    private static float[] embed(Backend b, Tensor table, int[] tokens, int dim) {
        Buffer out = poisoned(b, tokens.length * dim);
        b.embed(out, b.upload(table), tokens);
        return read(b, out, tokens.length * dim);
    }

    /** Shapes with partial 64-wide tiles on both sides (rows, n) and k of one or several blocks. */
    @ParameterizedTest
    @CsvSource({"Q8_0,2,70,96", "Q8_0,65,9,64", "Q4_0,3,33,64", "Q4_K,5,67,512", "Q4_K,2,8,256", "Q6_K,4,41,256"})
    void prefillMatmulMatchesTheCpu(DType dtype, int rows, int n, int k) {
        Tensor w = quantized("w", dtype, n, k, 32);
        float[] x = gaussian(new Random(33), rows * k, 1);
        float[] actual = matmul(gpu, w, x, rows, n, k);
        assertClose(matmul(cpu, w, x, rows, n, k), actual, FP32_TOLERANCE, "prefill matmul " + dtype + " rows=" + rows + " n=" + n + " k=" + k);
        // A quantized weight has one prefill kernel: an explicit variant (as the benchmarks ask) runs the same one.
        Buffer out = poisoned(gpu, rows * n);
        gpu.matmul(out, filled(gpu, x), gpu.upload(w), rows, MatmulVariant.TENSOR_CORE);
        assertArrayEquals(actual, read(gpu, out, rows * n), "explicit variant on " + dtype);
    }

    private static float[] matmul(Backend b, Tensor w, float[] x, int rows, int n, int k) {
        Buffer out = poisoned(b, rows * n);
        b.matmul(out, filled(b, x), b.upload(w), rows);
        return read(b, out, rows * n);
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"Q8_0", "Q4_0", "Q4_K", "Q6_K"})
    void rowCosines(DType dtype) {
        int rows = 45, cols = 512;
        Tensor w = quantized("gate_proj", dtype, rows, cols, 34);
        float[] v = gaussian(new Random(35), cols, 1);
        Buffer expected = cpu.allocate(rows);
        cpu.rowCosines(expected, cpu.upload(w), filled(cpu, v));
        Buffer actual = poisoned(gpu, rows);
        gpu.rowCosines(actual, gpu.upload(w), filled(gpu, v));
        float[] got = read(gpu, actual, rows);
        assertClose(read(cpu, expected, rows), got, FP32_TOLERANCE, "rowCosines " + dtype);
        assertEquals(0f, got[3], "zero row");
    }

    /** The same edit on both backends, a row listed twice included: identical stored blocks; then an exact revert. */
    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"Q8_0", "Q4_0", "Q4_K", "Q6_K"})
    void addToRowsIsBitExactAndRevertsExactly(DType dtype) {
        int rows = 20, cols = 512;
        Tensor w = quantized("gate_proj", dtype, rows, cols, 36);
        float[] v = gaussian(new Random(37), cols, 0.1);
        int[] edited = {0, 19, 7, 3, 7};
        int[] all = allRows(rows);
        Weight cw = cpu.upload(w), gw = gpu.upload(w);
        byte[] before = gpu.readRows(gw, all);
        assertArrayEquals(cpu.readRows(cw, all), before, "uploaded blocks");
        byte[] saved = gpu.readRows(gw, edited);
        cpu.addToRows(cw, edited, filled(cpu, v), -0.8f);
        gpu.addToRows(gw, edited, filled(gpu, v), -0.8f);
        byte[] after = gpu.readRows(gw, all);
        assertArrayEquals(cpu.readRows(cw, all), after, "stored blocks after addToRows " + dtype);
        long rowBytes = dtype.rowBytes(cols);
        for (int r : new int[] {0, 19, 7, 3}) assertFalse(sameRow(before, after, r, rowBytes), "row " + r + " was edited");
        for (int r : new int[] {1, 2, 4, 18}) assertTrue(sameRow(before, after, r, rowBytes), "row " + r + " was not edited");

        gpu.writeRows(gw, edited, saved);
        assertArrayEquals(before, gpu.readRows(gw, all), "revert by writing the saved blocks back");
    }

    private static boolean sameRow(byte[] a, byte[] b, int row, long rowBytes) {
        int from = Math.toIntExact(row * rowBytes), to = Math.toIntExact((row + 1) * rowBytes);
        return java.util.Arrays.equals(a, from, to, b, from, to);
    }

    @Test
    void quantizedNormWeightsAreRefusedByName() {
        Tensor gamma = new Tensor("blk.0.attn_norm.weight", DType.Q8_0, new long[] {64}, ARENA.allocate(DType.Q8_0.byteSize(64), 64));
        Weight g = gpu.upload(gamma);
        Buffer x = gpu.allocate(64), out = gpu.allocate(64);
        UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class, () -> gpu.rmsNorm(out, x, g, 1, 64, 1e-5f));
        assertTrue(e.getMessage().contains("blk.0.attn_norm.weight") && e.getMessage().contains("Q8_0"), e.getMessage());
    }
}
