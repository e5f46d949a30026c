package io.scalpel.backend.cpu;

import io.scalpel.backend.Buffer;
import io.scalpel.backend.Weight;
import io.scalpel.tensor.DType;
import io.scalpel.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The quantized CPU kernels against the reference codecs: register decoding gives the reference's floats
 * bit for bit; prefill (matrix-matrix) gives exactly "reference-decode, then one fma chain over k"
 * ({@link Gemm}), within 1e-5 relative of a float64 dot of the same decoded values; decode (matrix-vector,
 * one scale per block) is within its documented rounding bound of that float64 dot, and deterministic.
 * Edits re-quantize the edited rows only.
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
                QuantWiden.blocks(q.bytes(), dtype, j * dtype.rowBytes(K), K, row, 0);
                for (int i = 0; i < K; i++) {
                    assertEquals(Float.floatToRawIntBits(q.decoded()[j * K + i]), Float.floatToRawIntBits(row[i]), dtype + " row " + j + " element " + i);
                }
            }
        }
    }

    /**
     * |element| as the decode kernel sees it: the scaled quant, plus for Q4_K the sub-block's min term
     * dmin·m (the kernel adds the two separately, so its rounding is relative to both). Read from the
     * bytes by the GGML layout (Q4_K: dmin at byte 2, get_scale_min_k4's 6-bit m_j), not by the kernel's code.
     */
    private static double[] magnitudes(Quantized q, DType dtype, int n, int k) {
        double[] m = new double[n * k];
        for (int i = 0; i < m.length; i++) m[i] = Math.abs(q.decoded()[i]);
        if (dtype != DType.Q4_K) return m;
        for (int blk = 0; blk < n * k / 256; blk++) {
            long bo = 144L * blk;
            double dmin = Float.float16ToFloat(q.bytes().get(Tensor.I16_LE, bo + 2));
            for (int j = 0; j < 8; j++) {
                int sc = (int) (bo + 4);
                int min = j < 4 ? u8(q.bytes(), sc + j + 4) & 63 : (u8(q.bytes(), sc + j + 4) >>> 4) | ((u8(q.bytes(), sc + j) >>> 6) << 4);
                double c = dmin * min;
                for (int l = 0; l < 32; l++) {
                    int i = 256 * blk + 32 * j + l;
                    m[i] = Math.abs(q.decoded()[i] + c) + c;
                }
            }
        }
        return m;
    }

    private static int u8(MemorySegment s, long off) {
        return s.get(java.lang.foreign.ValueLayout.JAVA_BYTE, off) & 0xFF;
    }

    /**
     * Decode (one x row) scales each block once, so it is no longer bit-identical to "reference-decode,
     * then dot"; the documented bound (QuantRowDot, docs/design.md) is (h + 2)·2⁻²⁴·Σ|termᵢ| with
     * h ≤ k/32 + 12 roundings on any term's path, against a float64 dot of the reference's decoded values.
     * Prefill still decodes tiles to the reference's values and is that dot's fp32 result bit for bit.
     */
    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"Q8_0", "Q4_0", "Q4_K", "Q6_K"})
    void decodeIsWithinTheRoundingBoundAndPrefillEqualsTheReferenceDot(DType dtype) {
        int rows = 6;
        double bound = (K / 32.0 + 14) * 0x1p-24;
        try (Arena arena = Arena.ofShared(); WorkerPool pool = new WorkerPool(3, 0)) {
            Quantized q = quantized(dtype, N, K, 2, arena);
            double[] magnitude = magnitudes(q, dtype, N, K);
            float[] x = gaussian(rows * K, 3);
            Matmul matmul = new Matmul(pool);
            float[] prefill = new float[rows * N];
            matmul.run(q.bytes(), dtype, N, K, x, 0, rows, prefill, 0);
            float[] decode = new float[N];
            double worst = 0;
            for (int t = 0; t < rows; t++) {
                matmul.run(q.bytes(), dtype, N, K, x, t * K, 1, decode, 0);
                worst = Math.max(worst, worstDecodeError(q, magnitude, N, K, x, t * K, decode, bound, dtype + " token " + t));
                for (int j = 0; j < N; j++) {
                    float chain = CpuKernelsTest.fmaChain(q.decoded(), j * K, x, t * K, K); // prefill's order (Gemm)
                    assertEquals(chain, prefill[t * N + j], 0f, dtype + " prefill, token " + t + " row " + j);
                    double exact = 0, scale = 0;
                    for (int i = 0; i < K; i++) {
                        exact += (double) q.decoded()[j * K + i] * x[t * K + i];
                        scale += magnitude[j * K + i] * Math.abs(x[t * K + i]);
                    }
                    assertTrue(Math.abs(prefill[t * N + j] - exact) <= 1e-5 * scale, dtype + " prefill row " + j + ": " + prefill[t * N + j] + " vs float64 " + exact);
                }
            }
            assertTrue(worst > 0, dtype + ": decode rounds somewhere (a bound that nothing approaches tests nothing)");
        }
    }

    /**
     * Holds every decoded row to (h + 2)·2⁻²⁴·Σ Mᵢ|xᵢ| against a float64 dot of the reference's decoded
     * values ({@code bound} = (h + 2)·2⁻²⁴); returns the worst error / Σ Mᵢ|xᵢ| seen.
     */
    private static double worstDecodeError(Quantized q, double[] magnitude, int n, int k, float[] x, int xOff, float[] decode, double bound, String label) {
        double worst = 0;
        for (int j = 0; j < n; j++) {
            double exact = 0, scale = 0;
            for (int i = 0; i < k; i++) {
                exact += (double) q.decoded()[j * k + i] * x[xOff + i];
                scale += magnitude[j * k + i] * Math.abs(x[xOff + i]);
            }
            double error = Math.abs(decode[j] - exact);
            worst = Math.max(worst, error / scale);
            assertTrue(error <= bound * scale, label + " decode row " + j + ": " + decode[j] + " vs float64 " + exact + " (bound " + bound * scale + ")");
        }
        return worst;
    }

    /**
     * The K-quant kernels (KQuantRowDot) at the shortest row (one super-block, where Q4_K's min terms have
     * the longest path relative to k/32), a 110M row and a row longer than the pool's scratch (the kernel
     * allocates its own): every row within h ≤ k/32 + 12.
     */
    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"Q4_K", "Q6_K"})
    void kQuantDecodeIsWithinTheRoundingBoundAtEveryRowLength(DType dtype) {
        int n = 13;
        try (Arena arena = Arena.ofShared(); WorkerPool pool = new WorkerPool(2, 0)) {
            Matmul matmul = new Matmul(pool);
            for (int k : new int[] {256, 768, 8192}) {
                Quantized q = quantized(dtype, n, k, 11 + k, arena);
                float[] x = gaussian(k, 12 + k);
                float[] decode = new float[n];
                matmul.run(q.bytes(), dtype, n, k, x, 0, 1, decode, 0);
                double worst = worstDecodeError(q, magnitudes(q, dtype, n, k), n, k, x, 0, decode, (k / 32.0 + 14) * 0x1p-24, dtype + " k " + k);
                assertTrue(worst > 0, dtype + " k " + k + ": decode rounds somewhere");
            }
        }
    }

    /**
     * KQuantRowDot's layout of x, against its definition written out in plain Java: inside each group of
     * 32, s[8b + i] = x[4i + b] (times 2⁻⁸ᵇ for Q4_K), bit for bit, and each group's Σx with the documented
     * order (the four byte vectors added lane-wise, then the lanes left to right), from an offset row of x.
     */
    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"Q4_K", "Q6_K"})
    void kQuantInterleaveIsTheDocumentedLayout(DType dtype) {
        int k = 768, off = 40;
        float[] x = gaussian(off + k, 31);
        float[] s = new float[KQuantRowDot.scratchFloats(k)];
        KQuantRowDot.interleave(x, off, k, s, dtype == DType.Q4_K);
        for (int g = 0; g < k / 32; g++) {
            float sum = 0f;
            for (int i = 0; i < 8; i++) {
                float lane = 0f;
                for (int b = 0; b < 4; b++) {
                    float v = x[off + 32 * g + 4 * i + b];
                    lane = b == 0 ? v : lane + v;
                    float expected = dtype == DType.Q4_K ? v * (float) Math.scalb(1.0, -8 * b) : v;
                    assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(s[32 * g + 8 * b + i]), dtype + " group " + g + " byte " + b + " lane " + i);
                }
                sum = i == 0 ? lane : sum + lane;
            }
            assertEquals(Float.floatToRawIntBits(sum), Float.floatToRawIntBits(s[k + k / 4 + g]), dtype + " Σx of group " + g);
        }
    }

    /**
     * Q4_K decode meets x stored times 2⁻⁸ᵇ (KQuantRowDot.interleave), exact for |x| ≥ 2⁻¹⁰². Below that the
     * scaled element is subnormal, and the documented bound grows by 2⁻¹²²·|d·sc| per such element (its
     * sub-block's scale, read here from the bytes by get_scale_min_k4): x with every third element tiny,
     * and x entirely tiny.
     */
    @Test
    void q4kDecodeWithTinyActivationsStaysWithinTheUnderflowBound() {
        int n = 13, k = 768;
        try (Arena arena = Arena.ofShared(); WorkerPool pool = new WorkerPool(2, 0)) {
            Quantized q = quantized(DType.Q4_K, n, k, 21, arena);
            double[] magnitude = magnitudes(q, DType.Q4_K, n, k);
            double bound = (k / 32.0 + 14) * 0x1p-24;
            float[][] xs = {gaussian(k, 22), gaussian(k, 23)};
            for (int i = 0; i < k; i += 3) xs[0][i] *= 1e-32f;
            for (int i = 0; i < k; i++) xs[1][i] *= 1e-36f;
            for (float[] x : xs) {
                float[] decode = new float[n];
                new Matmul(pool).run(q.bytes(), DType.Q4_K, n, k, x, 0, 1, decode, 0);
                for (int j = 0; j < n; j++) {
                    double exact = 0, scale = 0, underflow = 0;
                    for (int i = 0; i < k; i++) {
                        exact += (double) q.decoded()[j * k + i] * x[i];
                        scale += magnitude[j * k + i] * Math.abs(x[i]);
                        if (x[i] != 0 && Math.abs(x[i]) < 0x1p-102) underflow += 0x1p-122 * q4kScale(q.bytes(), j * k + i);
                    }
                    assertTrue(Float.isFinite(decode[j]) && decode[j] != 0, "row " + j + ": " + decode[j]);
                    assertTrue(Math.abs(decode[j] - exact) <= bound * scale + underflow, "row " + j + ": " + decode[j] + " vs float64 " + exact);
                }
            }
        }
    }

    /** |d·sc| of element i's sub-block in a Q4_K tensor (GGML layout: d at byte 0, get_scale_min_k4's sc). */
    private static double q4kScale(MemorySegment bytes, int i) {
        long bo = 144L * (i / 256);
        int j = i % 256 / 32, sc = (int) (bo + 4);
        int s = j < 4 ? u8(bytes, sc + j) & 63 : (u8(bytes, sc + j + 4) & 0xF) | ((u8(bytes, sc + j - 4) >>> 6) << 4);
        return Math.abs(Float.float16ToFloat(bytes.get(Tensor.I16_LE, bo)) * s);
    }

    /**
     * A row's decode result is the same bits whatever rows share its 4-row pass, however the rows are
     * split over threads, and whether the kernel ran interpreted or compiled: the revert and patch tests
     * compare logits bit for bit across runs.
     */
    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"Q8_0", "Q4_0", "Q4_K", "Q6_K"})
    void decodeBitsDoNotDependOnNeighbouringRowsThreadsOrCompilation(DType dtype) {
        int k = 512; // ~10⁶ block iterations over the warm-up calls: the kernels are C2-compiled by the end
        try (Arena arena = Arena.ofShared(); WorkerPool three = new WorkerPool(3, 0); WorkerPool one = new WorkerPool(1, 0)) {
            Quantized q = quantized(dtype, N, k, 6, arena);
            float[] x = gaussian(k, 7);
            float[] first = new float[N];
            new Matmul(one).run(q.bytes(), dtype, N, k, x, 0, 1, first, 0); // the first call: interpreted, at least in part
            Matmul matmul = new Matmul(three);
            float[] warm = new float[N];
            for (int it = 0; it < 300; it++) matmul.run(q.bytes(), dtype, N, k, x, 0, 1, warm, 0);
            long rb = dtype.rowBytes(k);
            float[] shifted = new float[N - 1]; // row j of W is row j − 1 here, in another 4-row pass
            matmul.run(q.bytes().asSlice(rb), dtype, N - 1, k, x, 0, 1, shifted, 0);
            for (int j = 0; j < N; j++) {
                assertEquals(Float.floatToRawIntBits(first[j]), Float.floatToRawIntBits(warm[j]), dtype + " row " + j + ": first call vs compiled, 3 threads");
                if (j > 0) assertEquals(Float.floatToRawIntBits(warm[j]), Float.floatToRawIntBits(shifted[j - 1]), dtype + " row " + j + " in another 4-row pass");
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

    /**
     * Weights reach decode as slices of a file mapping, as arena copies (q/k rows permuted at load, edited
     * rows) and, in tests, as heap segments. The backend hands them over through {@link CpuWeight#oneClass},
     * but the kernels must not depend on it: the same bytes give the same bits from each, in any order of calls.
     */
    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"Q8_0", "Q4_0", "Q4_K", "Q6_K"})
    void decodeGivesTheSameBitsFromAMappingAnArenaAndTheHeap(DType dtype, @TempDir Path dir) throws Exception {
        int n = 37, k = 768;
        try (Arena arena = Arena.ofShared(); WorkerPool pool = new WorkerPool(2, 0)) {
            Quantized q = quantized(dtype, n, k, 8, arena);
            byte[] bytes = q.bytes().toArray(ValueLayout.JAVA_BYTE);
            Path file = Files.write(dir.resolve("w.bin"), bytes);
            MemorySegment mapped;
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
                mapped = ch.map(FileChannel.MapMode.READ_ONLY, 0, bytes.length, arena);
            }
            MemorySegment[] sources = {q.bytes(), mapped, MemorySegment.ofArray(bytes), mapped, q.bytes()};
            float[] x = gaussian(k, 9);
            Matmul matmul = new Matmul(pool);
            float[] first = new float[n], again = new float[n];
            matmul.run(sources[0], dtype, n, k, x, 0, 1, first, 0);
            for (int round = 0; round < 15; round++) { // ~10⁵ block iterations: compiled, with every class seen, by the end
                for (MemorySegment source : sources) {
                    matmul.run(source, dtype, n, k, x, 0, 1, again, 0);
                    for (int j = 0; j < n; j++) {
                        assertEquals(Float.floatToRawIntBits(first[j]), Float.floatToRawIntBits(again[j]), dtype + " row " + j + " from " + source);
                    }
                }
            }
        }
    }

    @Test
    void oneClassKeepsTheSegmentsBoundsReadOnlyFlagAndLifetime() {
        MemorySegment view;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(64).fill((byte) 7).asReadOnly();
            view = CpuWeight.oneClass(s);
            assertEquals(s.address(), view.address());
            assertEquals(64, view.byteSize());
            assertTrue(view.isReadOnly());
            assertEquals(7, view.get(ValueLayout.JAVA_BYTE, 63));
            assertThrows(IndexOutOfBoundsException.class, () -> CpuWeight.oneClass(s).get(ValueLayout.JAVA_BYTE, 64));
            byte[] heap = {1, 2, 3};
            assertEquals(3, CpuWeight.oneClass(MemorySegment.ofArray(heap)).get(ValueLayout.JAVA_BYTE, 2));
        }
        MemorySegment closed = view;
        assertThrows(IllegalStateException.class, () -> closed.get(ValueLayout.JAVA_BYTE, 0), "a view of a closed arena's memory is closed too");
    }
}
