package io.scalpel.backend.cpu;

import io.scalpel.backend.Buffer;
import io.scalpel.backend.Weight;
import io.scalpel.tensor.DType;
import io.scalpel.tensor.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The quantized CPU kernels against the reference codecs: register decoding gives the reference's floats
 * bit for bit, decode (matrix-vector) gives exactly "reference-decode, then the package's fp32 dot" and
 * prefill (matrix-matrix) exactly "reference-decode, then one fma chain over k" ({@link Gemm}), both within
 * 1e-5 relative of a float64 dot of the same decoded values (the documented tolerance: fp32 accumulation
 * over k = 1536). Edits re-quantize the edited rows only.
 */
class QuantKernelsTest {
    private static final int N = 203, K = 1536; // n not a multiple of 4; n·k above the pool's inline threshold

    private record Quantized(MemorySegment bytes, float[] decoded) {}

    private static Quantized quantized(DType dtype, int n, int k, long seed, Arena arena) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] w = new float[n * k];
        for (int i = 0; i < w.length; i++) w[i] = (float) (r.nextGaussian() * 0.02);
        MemorySegment bytes = arena.allocate(dtype.byteSize((long) n * k), 64);
        dtype.codec().encodeRow(w, 0, w.length, bytes, 0);
        float[] decoded = new float[w.length];
        dtype.codec().decodeRow(bytes, 0, w.length, decoded, 0);
        return new Quantized(bytes, decoded);
    }

    private static float[] gaussian(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) r.nextGaussian();
        return x;
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"Q8_0", "Q4_0", "Q4_K", "Q6_K"})
    void registerDecodingEqualsTheReference(DType dtype) {
        try (Arena arena = Arena.ofConfined()) {
            Quantized q = quantized(dtype, 5, K, 1, arena);
            float[] row = new float[K];
            for (int j = 0; j < 5; j++) {
                QuantWiden.row(q.bytes(), dtype, j, K, row, 0);
                for (int i = 0; i < K; i++) {
                    assertEquals(Float.floatToRawIntBits(q.decoded()[j * K + i]), Float.floatToRawIntBits(row[i]), dtype + " row " + j + " element " + i);
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"Q8_0", "Q4_0", "Q4_K", "Q6_K"})
    void decodeAndPrefillEqualTheReferenceDot(DType dtype) {
        int rows = 6;
        try (Arena arena = Arena.ofShared(); WorkerPool pool = new WorkerPool(3, 0)) {
            Quantized q = quantized(dtype, N, K, 2, arena);
            float[] x = gaussian(rows * K, 3);
            Matmul matmul = new Matmul(pool);
            float[] prefill = new float[rows * N];
            matmul.run(q.bytes(), dtype, N, K, x, 0, rows, prefill, 0);
            float[] decode = new float[N];
            for (int t = 0; t < rows; t++) {
                matmul.run(q.bytes(), dtype, N, K, x, t * K, 1, decode, 0);
                for (int j = 0; j < N; j++) {
                    float reference = RowDot.dot(q.decoded(), j * K, x, t * K, K);
                    assertEquals(reference, decode[j], 0f, dtype + " decode, token " + t + " row " + j);
                    float chain = CpuKernelsTest.fmaChain(q.decoded(), j * K, x, t * K, K); // prefill's order (Gemm)
                    assertEquals(chain, prefill[t * N + j], 0f, dtype + " prefill, token " + t + " row " + j);
                    double exact = 0, scale = 0;
                    for (int i = 0; i < K; i++) {
                        exact += (double) q.decoded()[j * K + i] * x[t * K + i];
                        scale += Math.abs((double) q.decoded()[j * K + i] * x[t * K + i]);
                    }
                    assertTrue(Math.abs(decode[j] - exact) <= 1e-5 * scale, dtype + " row " + j + ": " + decode[j] + " vs float64 " + exact);
                    assertTrue(Math.abs(prefill[t * N + j] - exact) <= 1e-5 * scale, dtype + " prefill row " + j + ": " + prefill[t * N + j] + " vs float64 " + exact);
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"Q8_0", "Q4_0", "Q4_K", "Q6_K"})
    void editRequantizesTheEditedRowsAndRevertRestoresTheirBytes(DType dtype) {
        int n = 8, k = 512;
        try (Arena arena = Arena.ofShared(); CpuBackend backend = new CpuBackend(2, 0)) {
            Quantized q = quantized(dtype, n, k, 4, arena);
            byte[] before = q.bytes().toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
            Weight w = backend.upload(new Tensor("gate", dtype, new long[] {n, k}, q.bytes().asReadOnly()));
            float[] v = gaussian(k, 5);
            float alpha = 0.01f;
            int[] rows = {1, 6};
            byte[] saved = backend.readRows(w, rows);
            try (Buffer vb = backend.allocate(k)) {
                backend.write(vb, v);
                backend.addToRows(w, rows, vb, alpha);
            }
            long rb = dtype.rowBytes(k);
            MemorySegment edited = w.source().data();
            for (int r = 0; r < n; r++) {
                byte[] got = edited.asSlice(r * rb, rb).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
                byte[] original = q.bytes().asSlice(r * rb, rb).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
                if (r != 1 && r != 6) {
                    assertArrayEquals(original, got, "row " + r + " was not edited");
                    continue;
                }
                float[] target = new float[k];
                for (int i = 0; i < k; i++) target[i] = Math.fma(alpha, v[i], q.decoded()[r * k + i]);
                byte[] expected = new byte[(int) rb];
                dtype.codec().encodeRow(target, 0, k, MemorySegment.ofArray(expected), 0);
                assertArrayEquals(expected, got, "row " + r + " is the quantizer's rounding of w + αv");
            }
            assertArrayEquals(before, q.bytes().toArray(java.lang.foreign.ValueLayout.JAVA_BYTE), "the source bytes were copied, not edited");
            backend.writeRows(w, rows, saved);
            assertArrayEquals(before, w.source().data().toArray(java.lang.foreign.ValueLayout.JAVA_BYTE), "revert restores every byte");
        }
    }
}
