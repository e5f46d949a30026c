package io.scalpel.backend.cpu;

import io.scalpel.tensor.DType;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * Dot products of stored weight rows with one fp32 activation row, read straight from the mapping —
 * the decode (matrix-vector) kernel. Four rows at a time share each load of x and give four
 * independent FMA chains and four memory streams; the four are a quarter of the caller's row range
 * apart (rows j, j + q, j + 2q, j + 3q), not adjacent.
 *
 * <p>Summation order, shared by the decode kernels so that any thread split agrees (prefill's GEMM has
 * its own, see {@link Gemm}): for F32 and F16, one vector accumulator per row over k in steps of
 * {@code F.length()}, lanes added left to right, then the scalar tail added in index order. Not
 * {@code reduceLanes}: compiled, it associates differently than interpreted, and the same forward pass must
 * give the same bits on its first run and its later ones (surgery's revert tests compare bits). BF16 has
 * an order of its own, fixed just as firmly: weights read as int lanes, each lane holding a pair, so two
 * accumulators per row (even and odd elements; see {@link #bf16x4}).
 *
 * <p>Why distant rows (Zen 3, 2026-12-01 19:40 UTC, docs/benchmarks.md "Decode rows far apart"): reading
 * four rows a quarter of the range apart keeps four independent forward streams in flight; four adjacent
 * rows are four streams only a row apart, which the prefetchers served worse than even one stream. One
 * JVM, interleaved variants, ≥ 256 MB from DRAM, one thread: F32 k = 2048 12.7 GB/s adjacent, 17.2 distant;
 * BF16 k = 2048 6.0 and 12.3; BF16 k = 768 2.5 adjacent, 3.5 one row at a time, 7.9 distant. So every
 * row length and dtype now takes the four-row kernels (BF16's short rows went one at a time before, F16's
 * short rows were widened as one contiguous run of four rows). Rows left over (fewer than four per quarter)
 * go one at a time ({@link #one}; BF16's {@link #bf16One}). A row's arithmetic is the same in every kernel, so the bits do not depend on the pairing.
 *
 * <p>No vector crosses a method boundary here except into the JDK's own force-inlined methods and the
 * widening helpers inside hot loops: C2 declines to inline a call it thinks cold or already compiled
 * big, and a vector passed across such a call is boxed — an allocation per call and a 100× slowdown.
 */
final class RowDot {
    static final VectorSpecies<Float> F = Widen.F;

    private RowDot() {}

    /** F16 rows are widened {@code CHUNK} elements of each of the four rows at a time ({@link #f16x4}): 8 KiB, well inside L1 with x's stretch. */
    static final int CHUNK = Widen.CHUNK;
    /** Where in the scratch the F16 kernel keeps its four accumulators (4 · F.length() floats: 32, or 64 with 512-bit vectors): after the four widened stretches. */
    private static final int ACC = 4 * CHUNK;
    /** Floats of scratch {@link #rows} needs. */
    static final int SCRATCH = ACC + 4 * F.length();

    /**
     * {@code out[outOff + j] = W[j,:] · x} for rows {@code j} in [from, to) of a [n, k] weight;
     * {@code scratch} is private to the calling thread and should hold {@link #scratchFloats}(k) floats
     * (a smaller one still gives the same bits, through a temporary array).
     */
    static void rows(MemorySegment w, DType dtype, int from, int to, int k, float[] x, int xOff, float[] out, int outOff, float[] scratch) {
        // A pass takes rows j, j + q, j + 2q, j + 3q: four forward streams a quarter of the range apart.
        int q = (to - from) / 4, end = from + q;
        switch (dtype) {
            case F32 -> { for (int j = from; j < end; j++) f32x4(w, j, q, k, x, xOff, out, outOff + j); }
            case BF16 -> {
                float[] xs = scratch.length >= k ? scratch : new float[k];
                int kv = k - k % BF16_STEP;
                splitPairs(x, xOff, kv, xs);
                for (int j = from; j < end; j++) bf16x4(w, j, q, k, kv, xs, x, xOff, out, outOff + j);
                for (int j = from + 4 * q; j < to; j++) out[outOff + j] = bf16One(w, j, k, kv, xs, x, xOff);
                return;
            }
            case F16 -> { for (int j = from; j < end; j++) f16x4(w, j, q, k, x, xOff, out, outOff + j, scratch); }
            case I32 -> throw new IllegalArgumentException("I32 weights have no float rows");
        }
        for (int j = from + 4 * q; j < to; j++) out[outOff + j] = one(w, dtype, j, k, x, xOff);
    }

    /** Floats of scratch {@link #rows} uses for rows of {@code k} elements: F16's widened rows and accumulators, or BF16's split x. */
    static int scratchFloats(int k) {
        return Math.max(SCRATCH, k);
    }

    /** Rows {@code row + r·step} (r = 0..3) into {@code out[o + r·step]}. */
    private static void f32x4(MemorySegment w, int row, int step, int k, float[] x, int xOff, float[] out, int o) {
        int L = F.length(), i = 0;
        long r0 = (long) row * k * 4, rb = (long) step * k * 4, r1 = r0 + rb, r2 = r1 + rb, r3 = r2 + rb;
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        for (; i + L <= k; i += L) {
            FloatVector xv = FloatVector.fromArray(F, x, xOff + i);
            long b = 4L * i;
            a0 = FloatVector.fromMemorySegment(F, w, r0 + b, Widen.LE).fma(xv, a0);
            a1 = FloatVector.fromMemorySegment(F, w, r1 + b, Widen.LE).fma(xv, a1);
            a2 = FloatVector.fromMemorySegment(F, w, r2 + b, Widen.LE).fma(xv, a2);
            a3 = FloatVector.fromMemorySegment(F, w, r3 + b, Widen.LE).fma(xv, a3);
        }
        float ra0 = 0f;
        for (int l = 0; l < L; l++) ra0 += a0.lane(l); // left to right: the same bits interpreted or compiled
        out[o] = tail(ra0, w, DType.F32, row, k, i, x, xOff);
        float ra1 = 0f;
        for (int l = 0; l < L; l++) ra1 += a1.lane(l); // left to right: the same bits interpreted or compiled
        out[o + step] = tail(ra1, w, DType.F32, row + step, k, i, x, xOff);
        float ra2 = 0f;
        for (int l = 0; l < L; l++) ra2 += a2.lane(l); // left to right: the same bits interpreted or compiled
        out[o + 2 * step] = tail(ra2, w, DType.F32, row + 2 * step, k, i, x, xOff);
        float ra3 = 0f;
        for (int l = 0; l < L; l++) ra3 += a3.lane(l); // left to right: the same bits interpreted or compiled
        out[o + 3 * step] = tail(ra3, w, DType.F32, row + 3 * step, k, i, x, xOff);
    }

    /** Elements of a row one step of the BF16 kernels takes: one 256-bit int load of {@code F.length()} pairs. */
    static final int BF16_STEP = 2 * F.length();
    /** Takes element 2l of a step's {@code 2·F.length()} from {@code x} (l = 0, 1, …): the even half of a pair of vectors. */
    private static final VectorShuffle<Float> EVEN = VectorShuffle.iota(F, 0, 2, false);
    /** Takes element 2l + 1: the odd half. */
    private static final VectorShuffle<Float> ODD = VectorShuffle.iota(F, 1, 2, false);

    /**
     * Lays {@code x[xOff .. xOff+kv)} ({@code kv} a whole number of {@link #BF16_STEP}s) out as the BF16 kernels
     * read it: per step, its even elements, then its odd ones. Once per call, shared by every row of the call.
     */
    static void splitPairs(float[] x, int xOff, int kv, float[] xs) {
        int L = F.length();
        for (int i = 0; i < kv; i += 2 * L) {
            FloatVector a = FloatVector.fromArray(F, x, xOff + i), b = FloatVector.fromArray(F, x, xOff + i + L);
            a.rearrange(EVEN, b).intoArray(xs, i);
            a.rearrange(ODD, b).intoArray(xs, i + L);
        }
    }

    /*
     * BF16 rows are read as int lanes: one 256-bit load holds F.length() pairs of weights, the even one of each in
     * the low half (LSHL 16 makes it its fp32), the odd one in the high half (AND 0xFFFF0000). That is one load, one
     * shift and one and per 2·F.length() weights, against a load-and-widen plus a shift per F.length() before
     * (~40 instructions per 32 weights, with a bounds check before each 16-byte load), and it needs x split into
     * its even and odd elements per step (splitPairs). Summation order (docs/design.md, "BF16 decode in int
     * lanes"): per row, an even accumulator E and an odd one O, lane l of step s taking elements 2·L·s + 2l and
     * 2·L·s + 2l + 1; then Σ over l, left to right, of (E[l] + O[l]); then the scalar tail in index order.
     */

    /** Rows {@code row + r·step} (r = 0..3) into {@code out[o + r·step]}, in BF16's order (above). */
    private static void bf16x4(MemorySegment w, int row, int step, int k, int kv, float[] xs, float[] x, int xOff, float[] out, int o) {
        int L = F.length();
        long r0 = (long) row * k * 2, rb = (long) step * k * 2, r1 = r0 + rb, r2 = r1 + rb, r3 = r2 + rb;
        FloatVector e0 = FloatVector.zero(F), e1 = e0, e2 = e0, e3 = e0, o0 = e0, o1 = e0, o2 = e0, o3 = e0;
        for (int i = 0; i < kv; i += 2 * L) {
            FloatVector xe = FloatVector.fromArray(F, xs, i), xo = FloatVector.fromArray(F, xs, i + L);
            long b = 2L * i;
            IntVector v = IntVector.fromMemorySegment(Widen.I, w, r0 + b, Widen.LE);
            e0 = v.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(xe, e0);
            o0 = v.and(0xFFFF0000).reinterpretAsFloats().fma(xo, o0);
            v = IntVector.fromMemorySegment(Widen.I, w, r1 + b, Widen.LE);
            e1 = v.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(xe, e1);
            o1 = v.and(0xFFFF0000).reinterpretAsFloats().fma(xo, o1);
            v = IntVector.fromMemorySegment(Widen.I, w, r2 + b, Widen.LE);
            e2 = v.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(xe, e2);
            o2 = v.and(0xFFFF0000).reinterpretAsFloats().fma(xo, o2);
            v = IntVector.fromMemorySegment(Widen.I, w, r3 + b, Widen.LE);
            e3 = v.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(xe, e3);
            o3 = v.and(0xFFFF0000).reinterpretAsFloats().fma(xo, o3);
        }
        FloatVector s0 = e0.add(o0), s1 = e1.add(o1), s2 = e2.add(o2), s3 = e3.add(o3);
        float ra0 = 0f, ra1 = 0f, ra2 = 0f, ra3 = 0f;
        for (int l = 0; l < L; l++) { // left to right: the same bits interpreted or compiled
            ra0 += s0.lane(l);
            ra1 += s1.lane(l);
            ra2 += s2.lane(l);
            ra3 += s3.lane(l);
        }
        out[o] = tail(ra0, w, DType.BF16, row, k, kv, x, xOff);
        out[o + step] = tail(ra1, w, DType.BF16, row + step, k, kv, x, xOff);
        out[o + 2 * step] = tail(ra2, w, DType.BF16, row + 2 * step, k, kv, x, xOff);
        out[o + 3 * step] = tail(ra3, w, DType.BF16, row + 3 * step, k, kv, x, xOff);
    }

    /** One BF16 row in {@link #bf16x4}'s order (the rows a call leaves over): two accumulators, two FMA chains. */
    private static float bf16One(MemorySegment w, int row, int k, int kv, float[] xs, float[] x, int xOff) {
        int L = F.length();
        long r = (long) row * k * 2;
        FloatVector e = FloatVector.zero(F), od = e;
        for (int i = 0; i < kv; i += 2 * L) {
            IntVector v = IntVector.fromMemorySegment(Widen.I, w, r + 2L * i, Widen.LE);
            e = v.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(FloatVector.fromArray(F, xs, i), e);
            od = v.and(0xFFFF0000).reinterpretAsFloats().fma(FloatVector.fromArray(F, xs, i + L), od);
        }
        FloatVector sum = e.add(od);
        float racc = 0f;
        for (int l = 0; l < L; l++) racc += sum.lane(l); // left to right: the same bits interpreted or compiled
        return tail(racc, w, DType.BF16, row, k, kv, x, xOff);
    }

    /**
     * F16 rows go through L1: each {@link #CHUNK}-element stretch of the four rows is widened into {@code buf}
     * (row r at {@code r·CHUNK}) by {@link Widen#f16Rows4}, a plain loop that C2 vectorises into hardware
     * conversions (see {@link Widen}), which reads the four rows element by element — four concurrent
     * streams — and is then multiplied from {@code buf} as F32 would be. The accumulators live across
     * stretches, so the summation order (and the bits) are those of the register path of the other dtypes.
     *
     * <p>Every row length takes this path. Rows of up to 3·CHUNK elements used to be widened whole, one row
     * after the other, which was one stream at a time once the four rows were a quarter of the range apart
     * (it had been one run of four contiguous rows before): 110M's 768-wide F16 matrices ran at half a plain
     * read (docs/benchmarks.md, "F16 short rows as four streams", 2026-12-01 22:15 UTC: 768 × 200,000 from
     * DRAM, one JVM, interleaved, 2 threads 13.9 → 18.4 GB/s best, 1 thread 5.8 → 10.6; the same bits).
     */
    private static void f16x4(MemorySegment w, int row, int step, int k, float[] x, int xOff, float[] out, int o, float[] buf) {
        int kv = k - k % F.length();
        long rb = (long) k * 2, r0 = row * rb;
        zero4(buf);
        for (int c = 0; c < kv; c += CHUNK) {
            int len = Math.min(CHUNK, kv - c);
            Widen.f16Rows4(w, r0 + 2L * c, step * rb, len, buf);
            fma4(buf, CHUNK, len, x, xOff + c);
        }
        finish4(buf, w, DType.F16, row, step, k, kv, x, xOff, out, o);
    }

    /** Clears the four accumulators at {@code buf[ACC ..)}. */
    private static void zero4(float[] buf) {
        Arrays.fill(buf, ACC, ACC + 4 * F.length(), 0f);
    }

    /**
     * Continues the four rows' FMA chains (accumulator r at {@code buf[ACC + r·L ..)}) over {@code len}
     * widened elements of each, row r at {@code buf[r·stride ..)}, against {@code x[xOff ..)}. The
     * accumulators go through memory at each call's ends so that no vector crosses a method boundary.
     */
    private static void fma4(float[] buf, int stride, int len, float[] x, int xOff) {
        int L = F.length();
        FloatVector a0 = FloatVector.fromArray(F, buf, ACC), a1 = FloatVector.fromArray(F, buf, ACC + L);
        FloatVector a2 = FloatVector.fromArray(F, buf, ACC + 2 * L), a3 = FloatVector.fromArray(F, buf, ACC + 3 * L);
        for (int i = 0; i < len; i += L) {
            FloatVector xv = FloatVector.fromArray(F, x, xOff + i);
            a0 = FloatVector.fromArray(F, buf, i).fma(xv, a0);
            a1 = FloatVector.fromArray(F, buf, stride + i).fma(xv, a1);
            a2 = FloatVector.fromArray(F, buf, 2 * stride + i).fma(xv, a2);
            a3 = FloatVector.fromArray(F, buf, 3 * stride + i).fma(xv, a3);
        }
        a0.intoArray(buf, ACC);
        a1.intoArray(buf, ACC + L);
        a2.intoArray(buf, ACC + 2 * L);
        a3.intoArray(buf, ACC + 3 * L);
    }

    /**
     * {@code out[o + r·step]} for the four rows {@code row + r·step}: the lanes of row r's accumulator, stored at
     * {@code acc[ACC + r·L ..)}, added left to right, then its scalar tail {@code [tail, k)}.
     */
    private static void finish4(float[] acc, MemorySegment w, DType dtype, int row, int step, int k, int tail, float[] x, int xOff, float[] out, int o) {
        int L = F.length();
        for (int r = 0; r < 4; r++) {
            float sum = 0f;
            for (int l = 0; l < L; l++) sum += acc[ACC + r * L + l];
            out[o + r * step] = tail(sum, w, dtype, row + r * step, k, tail, x, xOff);
        }
    }

    /** Adds the scalar tail {@code [tail, k)} of row {@code row}'s dot product to {@code sum}. */
    private static float tail(float sum, MemorySegment w, DType dtype, int row, int k, int tail, float[] x, int xOff) {
        long off = (long) row * k * dtype.bytes();
        for (int i = tail; i < k; i++) sum += Widen.scalar(w, dtype, off, i) * x[xOff + i];
        return sum;
    }

    /** One F32 or F16 row's dot product, in the package's summation order (BF16 has its own, {@link #bf16One}). */
    static float one(MemorySegment w, DType dtype, int row, int k, float[] x, int xOff) {
        int L = F.length(), i = 0;
        long off = (long) row * k * dtype.bytes();
        // Each arm reduces its own accumulator: a vector merged across arms would be boxed if any arm were not inlined.
        float sum = switch (dtype) {
            case F32 -> {
                FloatVector acc = FloatVector.zero(F);
                for (; i + L <= k; i += L) acc = FloatVector.fromMemorySegment(F, w, off + 4L * i, Widen.LE).fma(FloatVector.fromArray(F, x, xOff + i), acc);
                float racc = 0f;
                for (int l = 0; l < L; l++) racc += acc.lane(l); // left to right: the same bits interpreted or compiled
                yield racc;
            }
            case F16 -> {
                FloatVector acc = FloatVector.zero(F);
                for (; i + L <= k; i += L) acc = Widen.f16(w, off + 2L * i).fma(FloatVector.fromArray(F, x, xOff + i), acc);
                float racc = 0f;
                for (int l = 0; l < L; l++) racc += acc.lane(l); // left to right: the same bits interpreted or compiled
                yield racc;
            }
            case BF16 -> throw new IllegalArgumentException("BF16 rows go through bf16One (their own order)");
            case I32 -> throw new IllegalArgumentException("I32 weights have no float rows");
            case Q8_0, Q4_0, Q4_K, Q6_K -> throw new IllegalArgumentException(dtype + " rows go through QuantRowDot");
        };
        return tail(sum, w, dtype, row, k, i, x, xOff);
    }

    /** Σ a[aOff..aOff+k) · b[bOff..bOff+k), both fp32 on the heap, in the package's summation order. */
    static float dot(float[] a, int aOff, float[] b, int bOff, int k) {
        int L = F.length(), i = 0;
        FloatVector acc = FloatVector.zero(F);
        for (; i + L <= k; i += L) acc = FloatVector.fromArray(F, a, aOff + i).fma(FloatVector.fromArray(F, b, bOff + i), acc);
        float racc = 0f;
        for (int l = 0; l < L; l++) racc += acc.lane(l); // left to right: the same bits interpreted or compiled
        float sum = racc;
        for (; i < k; i++) sum += a[aOff + i] * b[bOff + i];
        return sum;
    }

    /** Widens stored row {@code row} of a [rows, k] weight into {@code dst[0..k)}. */
    static void widenRow(MemorySegment w, DType dtype, long row, int k, float[] dst) {
        Widen.row(w, dtype, row, k, dst, 0);
    }
}
