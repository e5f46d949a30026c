package io.scalpel.backend.cpu;

import io.scalpel.tensor.DType;
import io.scalpel.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The vector kernels against naive loops, and decode against prefill. */
class CpuKernelsTest {

    @Test
    void vectorF16WideningEqualsFloat16ToFloatForEveryBitPattern() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment all = arena.allocate(65536 * 2L);
            for (int h = 0; h < 65536; h++) all.setAtIndex(Tensor.I16_LE, h, (short) h);
            int L = Widen.F.length();
            float[] lanes = new float[L];
            for (int h = 0; h < 65536; h += L) {
                Widen.f16(all, 2L * h).intoArray(lanes, 0);
                for (int i = 0; i < L; i++) {
                    assertEquals(Float.floatToRawIntBits(Float.float16ToFloat((short) (h + i))), Float.floatToRawIntBits(lanes[i]),
                            "half 0x" + Integer.toHexString(h + i));
                }
            }
        }
    }

    /**
     * F16 → F32 by hand from the IEEE 754 binary16 layout: normals re-biased, subnormals as
     * mantissa · 2⁻²⁴ (exact in fp32), infinities kept, NaNs made quiet with the payload kept (what the
     * JDK's conversion and the x86 instruction give).
     */
    static int f16ToF32Bits(int h) {
        int sign = (h & 0x8000) << 16, exponent = (h >>> 10) & 0x1F, mantissa = h & 0x3FF;
        if (exponent == 0x1F) return sign | 0x7F800000 | mantissa << 13 | (mantissa != 0 ? 0x00400000 : 0);
        if (exponent == 0) return sign | Float.floatToRawIntBits(Math.scalb((float) mantissa, -24));
        return sign | (exponent - 15 + 127) << 23 | mantissa << 13;
    }

    @Test
    void streamingF16WideningIsExactForEveryBitPatternInterpretedAndCompiled() {
        // 4 rows of 16384 halves hold all 65536 patterns; repeating the call gets the loops JIT-compiled
        // (vectorised by C2 where the CPU has a conversion instruction), and every pass is checked.
        int n = Widen.CHUNK, rowHalves = 65536 / 4;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment all = arena.allocate(65536 * 2L);
            for (int h = 0; h < 65536; h++) all.setAtIndex(Tensor.I16_LE, h, (short) h);
            float[] four = new float[4 * n], run = new float[65536];
            for (int pass = 0; pass < 40; pass++) {
                for (int c = 0; c < rowHalves; c += n) {
                    Widen.f16Rows4(all, 2L * c, 2L * rowHalves, n, four);
                    for (int r = 0; r < 4; r++) {
                        for (int i = 0; i < n; i++) {
                            int h = r * rowHalves + c + i;
                            if (f16ToF32Bits(h) != Float.floatToRawIntBits(four[r * n + i])) {
                                assertEquals(f16ToF32Bits(h), Float.floatToRawIntBits(four[r * n + i]), "f16Rows4, pass " + pass + ", half 0x" + Integer.toHexString(h));
                            }
                        }
                    }
                }
                Widen.f16Run(all, 0, 65536, run, 0);
                for (int h = 0; h < 65536; h++) {
                    if (f16ToF32Bits(h) != Float.floatToRawIntBits(run[h])) {
                        assertEquals(f16ToF32Bits(h), Float.floatToRawIntBits(run[h]), "f16Run, pass " + pass + ", half 0x" + Integer.toHexString(h));
                    }
                }
            }
            for (int h = 0; h < 65536; h++) assertEquals(f16ToF32Bits(h), Float.floatToRawIntBits(Float.float16ToFloat((short) h)), "reference vs JDK, half 0x" + Integer.toHexString(h));
        }
    }

    /** Prefill's summation order by hand: one fused multiply-add chain over k in index order, from 0. */
    static float fmaChain(float[] w, int wOff, float[] x, int xOff, int k) {
        float acc = 0f;
        for (int i = 0; i < k; i++) acc = Math.fma(w[wOff + i], x[xOff + i], acc);
        return acc;
    }

    /**
     * BF16 decode's summation order by hand (docs/design.md, "BF16 decode in int lanes"): with L lanes, step s
     * covers elements [2L·s, 2L·s + 2L); lane l of an even chain takes element 2L·s + 2l and of an odd chain
     * 2L·s + 2l + 1, each a fused multiply-add; then Σ over l, left to right, of (even[l] + odd[l]); then the
     * elements past the last whole step, each a rounded product added in index order.
     */
    static float bf16PairsOrder(float[] w, int wOff, float[] x, int xOff, int k, int L) {
        float[] even = new float[L], odd = new float[L];
        int kv = k - k % (2 * L);
        for (int s = 0; s < kv; s += 2 * L) {
            for (int l = 0; l < L; l++) {
                even[l] = Math.fma(w[wOff + s + 2 * l], x[xOff + s + 2 * l], even[l]);
                odd[l] = Math.fma(w[wOff + s + 2 * l + 1], x[xOff + s + 2 * l + 1], odd[l]);
            }
        }
        float sum = 0f;
        for (int l = 0; l < L; l++) sum += even[l] + odd[l];
        for (int i = kv; i < k; i++) sum += w[wOff + i] * x[xOff + i];
        return sum;
    }

    @ParameterizedTest
    // k = 701 = 2·Gemm.KC + 189: two of F16 decode's widened stretches (RowDot.CHUNK) and three of prefill's
    // K-blocks; 2311: five stretches. Neither is a multiple of 4, 6 or the vector length, and
    // n·k > WorkerPool.INLINE_WORK, so decode and prefill both go through the pool's split.
    @CsvSource({"F32, 701", "F16, 701", "BF16, 701", "F32, 2311", "F16, 2311", "BF16, 2311"})
    void decodeAndPrefillMatchTheirReferencesAndEachOther(DType dtype, int k) {
        int n = 397, rows = 9;
        assertTrue(k > RowDot.CHUNK && k % RowDot.CHUNK != 0, "F16 rows end in a partial widened stretch");
        assertTrue(k > 2 * Gemm.KC, "k spans more than two of prefill's K-blocks");
        assertTrue((long) n * k > WorkerPool.INLINE_WORK);
        SplittableRandom random = new SplittableRandom(5);
        try (Arena arena = Arena.ofShared(); WorkerPool pool = new WorkerPool(3)) {
            MemorySegment w = arena.allocate((long) n * k * dtype.bytes());
            float[] wf = new float[n * k];
            for (int i = 0; i < n * k; i++) {
                float v = (float) random.nextGaussian();
                switch (dtype) {
                    case F32 -> w.setAtIndex(Tensor.F32_LE, i, v);
                    default -> w.setAtIndex(Tensor.I16_LE, i, (short) dtype.encode(v));
                }
                wf[i] = dtype == DType.F32 ? v : dtype.decode(dtype.encode(v));
            }
            float[] x = new float[rows * k];
            for (int i = 0; i < x.length; i++) x[i] = (float) random.nextGaussian();
            Matmul matmul = new Matmul(pool);
            float[] prefill = new float[rows * n];
            matmul.run(w, dtype, n, k, x, 0, rows, prefill, 0);
            for (int t = 0; t < rows; t++) {
                float[] decode = new float[n];
                matmul.run(w, dtype, n, k, x, t * k, 1, decode, 0);
                for (int j = 0; j < n; j++) {
                    double exact = 0, scale = 0;
                    for (int i = 0; i < k; i++) {
                        exact += (double) wf[j * k + i] * x[t * k + i];
                        scale += Math.abs((double) wf[j * k + i] * x[t * k + i]);
                    }
                    String at = "token " + t + ", output " + j;
                    float order = dtype == DType.BF16 ? bf16PairsOrder(wf, j * k, x, t * k, k, Widen.F.length()) : RowDot.dot(wf, j * k, x, t * k, k);
                    assertEquals(Float.floatToRawIntBits(order), Float.floatToRawIntBits(decode[j]), "decode's order, " + at);
                    assertEquals(Float.floatToRawIntBits(fmaChain(wf, j * k, x, t * k, k)), Float.floatToRawIntBits(prefill[t * n + j]), "prefill's order, " + at);
                    // Two fp32 orders of the same sum: each within 1e-5 of Σ|w·x| of the float64 value, so of each other.
                    assertTrue(Math.abs(decode[j] - exact) <= 1e-5 * scale, "decode vs float64, " + at);
                    assertTrue(Math.abs(prefill[t * n + j] - exact) <= 1e-5 * scale, "prefill vs float64, " + at);
                }
            }
        }
    }

    /** A product of no activation rows computes and writes nothing (decode's path once wrote n outputs from no row). */
    @Test
    void zeroRowsWriteNothing() {
        int n = 397, k = 701;
        try (Arena arena = Arena.ofShared(); WorkerPool pool = new WorkerPool(2, 0)) {
            MemorySegment w = arena.allocate((long) n * k * 4);
            for (int i = 0; i < n * k; i++) w.setAtIndex(Tensor.F32_LE, i, 1f);
            float[] out = new float[n];
            java.util.Arrays.fill(out, Float.NaN);
            new Matmul(pool).run(w, DType.F32, n, k, new float[k], 0, 0, out, 0);
            for (int j = 0; j < n; j++) assertTrue(Float.isNaN(out[j]), "output " + j + " written by a product of zero rows");
        }
    }

    @Test
    void gemmGivesTheFmaChainsBitsForEveryShapeAndThreadCount() {
        // Token counts around both tile widths (narrow and wide, padding), rows around the tiles and the panel, k across
        // K-blocks with a short last one; one thread and three (different splits) must give the same bits.
        int T = GemmTile.TOKENS, n = Gemm.NC + GemmTile.WEIGHT_ROWS + 1, k = Gemm.KC + 7;
        SplittableRandom random = new SplittableRandom(11);
        float[] wf = new float[n * k];
        for (int i = 0; i < wf.length; i++) wf[i] = (float) random.nextGaussian();
        try (Arena arena = Arena.ofShared(); WorkerPool one = new WorkerPool(1); WorkerPool three = new WorkerPool(3, 0)) {
            MemorySegment w = arena.allocate((long) n * k * 4);
            for (int i = 0; i < wf.length; i++) w.setAtIndex(Tensor.F32_LE, i, wf[i]);
            Gemm serial = new Gemm(one), split = new Gemm(three);
            for (int rows : new int[]{1, 2, GemmTile.NARROW_TOKENS, GemmTile.NARROW_TOKENS + 1, T - 1, T, T + 1, 2 * T + 3}) {
                float[] x = new float[rows * k + 5];
                for (int i = 0; i < x.length; i++) x[i] = (float) random.nextGaussian();
                for (Gemm g : new Gemm[]{serial, split}) {
                    float[] out = new float[rows * n + 3];
                    java.util.Arrays.fill(out, Float.NaN);
                    g.run(w, DType.F32, n, k, x, 5, rows, out, 3); // offsets on both sides
                    for (int i = 0; i < 3; i++) assertTrue(Float.isNaN(out[i]), "wrote before the output at " + i);
                    for (int t = 0; t < rows; t++) {
                        for (int j = 0; j < n; j++) {
                            assertEquals(Float.floatToRawIntBits(fmaChain(wf, j * k, x, 5 + t * k, k)), Float.floatToRawIntBits(out[3 + t * n + j]),
                                    (g == serial ? "1 thread" : "3 threads") + ", rows " + rows + ", token " + t + ", output " + j);
                        }
                    }
                }
            }
        }
    }

    @Test
    void sharedGemmOfSeveralWeightsGivesEachWeightsOwnBits() {
        // Three weights of one call (as Q, K, V or gate, up): different dtypes and row counts that are not whole
        // tiles, so chunks straddle the weights; one packing of x for all. Each output must equal its weight run alone.
        int k = Gemm.KC + 37, rows = GemmTile.TOKENS + 5;
        int[] ns = {Gemm.NC + 5, 7, 2 * GemmTile.WEIGHT_ROWS + 1};
        DType[] types = {DType.F32, DType.F16, DType.BF16};
        SplittableRandom random = new SplittableRandom(17);
        try (Arena arena = Arena.ofShared(); WorkerPool one = new WorkerPool(1); WorkerPool three = new WorkerPool(3, 0)) {
            MemorySegment[] ws = new MemorySegment[3];
            for (int i = 0; i < 3; i++) {
                ws[i] = arena.allocate((long) ns[i] * k * types[i].bytes());
                for (int e = 0; e < ns[i] * k; e++) {
                    float v = (float) random.nextGaussian();
                    if (types[i] == DType.F32) ws[i].setAtIndex(Tensor.F32_LE, e, v);
                    else ws[i].setAtIndex(Tensor.I16_LE, e, (short) types[i].encode(v));
                }
            }
            float[] x = new float[rows * k + 2];
            for (int e = 0; e < x.length; e++) x[e] = (float) random.nextGaussian();
            for (WorkerPool pool : new WorkerPool[]{one, three}) {
                Gemm gemm = new Gemm(pool);
                float[][] shared = new float[3][], alone = new float[3][];
                for (int i = 0; i < 3; i++) {
                    alone[i] = new float[rows * ns[i] + 1];
                    gemm.run(ws[i], types[i], ns[i], k, x, 2, rows, alone[i], 1);
                }
                gemm.begin(x, 2, rows, k);
                for (int i = 0; i < 3; i++) {
                    shared[i] = new float[rows * ns[i] + 1];
                    gemm.add(ws[i], types[i], ns[i], shared[i], 1);
                }
                gemm.multiply();
                for (int i = 0; i < 3; i++) {
                    for (int e = 0; e < shared[i].length; e++) {
                        assertEquals(Float.floatToRawIntBits(alone[i][e]), Float.floatToRawIntBits(shared[i][e]),
                                pool.parallelism() + " threads, weight " + i + " (" + types[i] + "), element " + e);
                    }
                }
            }
        }
    }

    @Test
    void workerPoolCoversEveryIndexOnceWithWholeGrains() {
        try (WorkerPool pool = new WorkerPool(4)) {
            for (int n : new int[]{1, 3, 4, 5, 63, 64, 65, 1000, 32000}) {
                int[] hits = new int[n];
                pool.forRange(n, 4, (from, to, worker) -> {
                    if (from % 4 != 0) throw new AssertionError("chunk starts mid-grain at " + from);
                    for (int i = from; i < to; i++) hits[i]++;
                });
                for (int i = 0; i < n; i++) assertEquals(1, hits[i], "index " + i + " of " + n);
            }
        }
    }
}
