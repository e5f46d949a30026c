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

    @ParameterizedTest
    // k = 701: short rows (decode reads a 4-row block as one stream); 2311 > RowDot.SHORT_ROW: four row streams.
    @CsvSource({"F32, 701", "F16, 701", "BF16, 701", "F32, 2311", "F16, 2311", "BF16, 2311"})
    void matmulMatchesNaiveAndDecodeAgreesWithPrefill(DType dtype, int k) {
        // Neither a multiple of 4 nor of the vector length, and large enough (n·k > WorkerPool.INLINE_WORK)
        // that decode and prefill both go through the worker pool's split, not the inline path.
        int n = 397, rows = 9;
        assertEquals(k == 701, k <= RowDot.SHORT_ROW, "each k takes the decode path its comment says");
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
                float[] prefillRow = java.util.Arrays.copyOfRange(prefill, t * n, (t + 1) * n);
                // Same summation order (lanes reduced left to right, F16 chunks keep the accumulators): the same bits.
                for (int j = 0; j < n; j++) assertEquals(Float.floatToRawIntBits(prefillRow[j]), Float.floatToRawIntBits(decode[j]), "row " + t + ", output " + j + ": decode vs prefill");
                for (int j = 0; j < n; j++) {
                    double naive = 0;
                    for (int i = 0; i < k; i++) naive += (double) wf[j * k + i] * x[t * k + i];
                    assertEquals(naive, decode[j], 1e-4 * Math.max(1, Math.abs(naive)));
                }
            }
        }
    }

    @Test
    void everyPrefillTileEqualsTheSingleRowDotBitForBit() {
        // Both tiles must give RowDot.dot's bits (the package's order), whatever the vector width.
        int k = 2 * Widen.F.length() * 7 + 3, n = 8, rows = 4;
        SplittableRandom random = new SplittableRandom(11);
        float[] w = new float[4 * k], x = new float[rows * k];
        for (int i = 0; i < w.length; i++) w[i] = (float) random.nextGaussian();
        for (int i = 0; i < x.length; i++) x[i] = (float) random.nextGaussian();
        float[] two = new float[rows * n], one = new float[rows * n];
        TileDot.tile4x2(w, k, x, 0, 0, two, 0, n, 4);
        TileDot.tile4x2(w, k, x, 0, 2, two, 0, n, 4);
        for (int t = 0; t < rows; t++) TileDot.tile4x1(w, k, x, 0, t, one, 0, n, 4);
        for (int t = 0; t < rows; t++) {
            for (int r = 0; r < 4; r++) {
                int expected = Float.floatToRawIntBits(RowDot.dot(w, r * k, x, t * k, k)), at = t * n + 4 + r;
                assertEquals(expected, Float.floatToRawIntBits(two[at]), "4x2 token " + t + " row " + r);
                assertEquals(expected, Float.floatToRawIntBits(one[at]), "4x1 token " + t + " row " + r);
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
