package io.scalpel.bench.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * How much of a kernel's arithmetic this machine hides behind its memory reads — the question behind
 * "why is a dtype's decode short of the bandwidth floor". Each thread reads its share of a buffer as four
 * streams a quarter apart (as the float decode kernels read), and does {@code W} independent FMAs per
 * stream per 32 bytes on four more register chains. Per W it times the loop from DRAM and the same loop
 * over a 4 KiB window that stays in L1 (the arithmetic alone, plus L1 loads), interleaved in one JVM, and
 * prints where the DRAM time falls between the two textbook cases: <i>max</i> (arithmetic fully hidden
 * behind the reads) and <i>sum</i> (none hidden). {@code overlap} = (sum − measured) / (sum − max): 1 is
 * perfect, 0 is none. The L1 time at two threads against one is also the machine's answer to "does a
 * core's arithmetic slow down when both cores run" (it did on this project's 2-core VM; docs/benchmarks.md,
 * "Where decode's time goes at two threads").
 *
 * <pre>java --add-modules jdk.incubator.vector -cp benchmarks/target/shaded/scalpel-benchmarks.jar \
 *     io.scalpel.bench.cpu.OverlapProbe [THREADS=2] [ROUNDS=6] [MIB=512]</pre>
 */
public final class OverlapProbe {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_256;
    /** FMAs per stream per 32 bytes read. */
    private static final int[] WORK = {0, 1, 2, 3, 4, 6, 8};
    /** Offsets masked with this stay inside one 4 KiB window: the L1 variant. */
    private static final long L1_WINDOW = 4096 - 1;

    private OverlapProbe() {}

    public static void main(String[] args) throws Exception {
        int threads = args.length > 0 ? Integer.parseInt(args[0]) : 2;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 6;
        long size = (args.length > 2 ? Long.parseLong(args[2]) : 512) << 20;
        double[][] dram = new double[WORK.length][rounds], l1 = new double[WORK.length][rounds];
        float[] sink = new float[1];
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try (Arena arena = Arena.ofShared()) {
            MemorySegment s = arena.allocate(size, 4096);
            for (long i = 0; i < size; i += 4) s.set(ValueLayout.JAVA_FLOAT_UNALIGNED, i, 1e-3f);
            long share = size / threads / 128 * 128;
            for (int r = 0; r < rounds; r++) {
                for (int wi = 0; wi < WORK.length; wi++) {
                    dram[wi][r] = pass(pool, s, threads, share, -1L, WORK[wi], sink);
                    l1[wi][r] = pass(pool, s, threads, share, L1_WINDOW, WORK[wi], sink);
                }
            }
            double per = share / 32.0;
            System.out.printf("%d threads, %d MiB, ns per 32 bytes per thread, best of rounds 1..%d%n", threads, size >> 20, rounds - 1);
            double read = best(dram[0]) / per;
            for (int wi = 0; wi < WORK.length; wi++) {
                double d = best(dram[wi]) / per, c = best(l1[wi]) / per, max = Math.max(read, c), sum = read + c;
                System.out.printf("FMAs %d: DRAM %.3f  L1 %.3f  max %.3f  sum %.3f  overlap %.2f  %.2f GB/s%n",
                        WORK[wi], d, c, max, sum, sum > max ? (sum - d) / (sum - max) : 1.0, 32 * threads / d);
            }
        } finally {
            pool.shutdown();
        }
        if (sink[0] == 42f) System.out.println();
    }

    private static double pass(ExecutorService pool, MemorySegment s, int threads, long share, long mask, int work, float[] sink) throws Exception {
        long t0 = System.nanoTime();
        List<Future<Float>> parts = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            long from = share * t;
            parts.add(pool.submit(() -> loop(s, from, share, mask, work)));
        }
        for (Future<Float> f : parts) sink[0] += f.get();
        return System.nanoTime() - t0;
    }

    /** Four streams a quarter of {@code [from, from + len)} apart, 32 bytes each per step, {@code work} FMAs per stream per step. */
    private static float loop(MemorySegment s, long from, long len, long mask, int work) {
        long q = len / 4;
        FloatVector a = FloatVector.zero(F), b = a, c = a, d = a, e = a, f = a, g = a, h = a;
        FloatVector m = FloatVector.broadcast(F, 0.9999f);
        for (long o = 0; o < q; o += 32) {
            long p = o & mask;
            FloatVector v0 = FloatVector.fromMemorySegment(F, s, from + p, ByteOrder.LITTLE_ENDIAN);
            FloatVector v1 = FloatVector.fromMemorySegment(F, s, from + (q & mask) + p, ByteOrder.LITTLE_ENDIAN);
            FloatVector v2 = FloatVector.fromMemorySegment(F, s, from + (2 * q & mask) + p, ByteOrder.LITTLE_ENDIAN);
            FloatVector v3 = FloatVector.fromMemorySegment(F, s, from + (3 * q & mask) + p, ByteOrder.LITTLE_ENDIAN);
            a = a.add(v0);
            b = b.add(v1);
            c = c.add(v2);
            d = d.add(v3);
            for (int i = 0; i < work; i++) {
                e = e.fma(m, v0);
                f = f.fma(m, v1);
                g = g.fma(m, v2);
                h = h.fma(m, v3);
            }
        }
        return a.add(b).add(c).add(d).add(e).add(f).add(g).add(h).reduceLanes(VectorOperators.ADD);
    }

    private static double best(double[] perRound) {
        return Arrays.stream(perRound, perRound.length > 1 ? 1 : 0, perRound.length).min().orElseThrow();
    }
}
