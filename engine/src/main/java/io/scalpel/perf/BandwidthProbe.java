package io.scalpel.perf;

import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.concurrent.CyclicBarrier;

/**
 * The memory read bandwidth of this machine, measured the plainest way: {@code threads} threads each
 * sum their contiguous share of one off-heap buffer far larger than the caches. A decode step reads
 * every weight once, so this rate is its floor in time — "decode GB/s as a share of it" says how much
 * of the memory system the kernels use, and on a shared machine it moves with the neighbours' load, so
 * it is measured in the same run as the figure it is compared with.
 *
 * <p>The read is four independent vector adds per 4 vectors loaded, so arithmetic is never the limit
 * (one add per 32 or 64 bytes, against a few bytes per cycle of DRAM per core).
 *
 * <p>Each thread reads its share in two patterns, in alternating passes: one forward stream, and four
 * forward streams a quarter of the share apart — the pattern the decode kernels use (rows a quarter of
 * their range apart). Whichever is faster here is the floor: on the Zen 3 machine measured four streams
 * per thread read faster than one (docs/benchmarks.md, "Decode rows far apart"), and a floor slower than the
 * kernels' own reads would flatter them.
 */
public final class BandwidthProbe implements AutoCloseable {
    /** 1 GiB: 30× the 32 MiB L3 of the machines measured here, so the caches do not count. */
    public static final long DEFAULT_BYTES = 1L << 30;
    private static final VectorSpecies<Long> V = LongVector.SPECIES_PREFERRED;

    /**
     * Median and per-pass read bandwidth in GB/s (10⁹ bytes/s) over {@code bytes} with {@code threads}
     * threads, for the faster of the two patterns; {@code streams} is that pattern's streams per thread (1 or 4).
     */
    public record Result(long bytes, int threads, int streams, double gigabytesPerSecond, double[] passes) {}

    /** The read patterns: streams per thread. */
    private static final int[] PATTERNS = {1, 4};

    private final Arena arena = Arena.ofShared();
    private final MemorySegment buffer;

    /** Allocates and touches {@code bytes} (every page made resident, so the passes measure reads, not page faults). */
    public BandwidthProbe(long bytes) {
        long unit = 4L * V.vectorByteSize();
        if (bytes < unit) throw new IllegalArgumentException("bandwidth probe buffer must hold at least " + unit + " bytes");
        buffer = arena.allocate(bytes / unit * unit, 4096);
        buffer.fill((byte) 1);
    }

    /**
     * One warm-up pass per pattern (the JIT compiles the read loops), then {@code passes} timed passes of
     * each, alternating; the result is the pattern with the higher median.
     */
    public Result measure(int threads, int passes) {
        if (threads < 1 || passes < 1) throw new IllegalArgumentException("bandwidth probe needs >= 1 thread and >= 1 pass");
        for (int streams : PATTERNS) readOnce(threads, streams);
        double[][] rates = new double[PATTERNS.length][passes];
        for (int p = 0; p < passes; p++) {
            for (int i = 0; i < PATTERNS.length; i++) {
                long t0 = System.nanoTime();
                readOnce(threads, PATTERNS[i]);
                rates[i][p] = buffer.byteSize() / ((System.nanoTime() - t0) / 1e9) / 1e9;
            }
        }
        Result best = null;
        for (int i = 0; i < PATTERNS.length; i++) {
            double median = median(rates[i]);
            if (best == null || median > best.gigabytesPerSecond()) best = new Result(buffer.byteSize(), threads, PATTERNS[i], median, rates[i]);
        }
        return best;
    }

    private static double median(double[] rates) {
        double[] sorted = rates.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    /**
     * Reads the whole buffer once, split into {@code threads} contiguous shares that start together, each
     * read as {@code streams} (1 or 4) forward streams; returns a checksum.
     */
    public long readOnce(int threads, int streams) {
        if (streams != 1 && streams != 4) throw new IllegalArgumentException("bandwidth probe reads 1 or 4 streams per thread, not " + streams);
        long unit = 4L * V.vectorByteSize(), units = buffer.byteSize() / unit;
        long[] sums = new long[threads];
        CyclicBarrier start = new CyclicBarrier(threads);
        Thread[] helpers = new Thread[threads - 1];
        for (int t = 1; t < threads; t++) {
            int id = t;
            helpers[t - 1] = Thread.ofPlatform().daemon().name("bandwidth-probe-" + t).start(() -> {
                await(start);
                sums[id] = read(share(id, threads, units, unit), share(id + 1, threads, units, unit), streams);
            });
        }
        await(start);
        sums[0] = read(0, share(1, threads, units, unit), streams);
        for (Thread h : helpers) {
            try {
                h.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while measuring bandwidth", e);
            }
        }
        long total = 0;
        for (long s : sums) total += s;
        return total;
    }

    private long read(long from, long to, int streams) {
        if (streams == 1) return sum(from, to);
        long unit = 4L * V.vectorByteSize(), quarter = (to - from) / 4 / unit * unit;
        return sum4(from, quarter) + sum(from + 4 * quarter, to); // the remainder (< 4 units) as one stream
    }

    public long bytes() { return buffer.byteSize(); }

    private static long share(int t, int threads, long units, long unit) { return units * t / threads * unit; }

    private long sum(long from, long to) {
        long step = V.vectorByteSize();
        LongVector a0 = LongVector.zero(V), a1 = a0, a2 = a0, a3 = a0;
        for (long b = from; b < to; b += 4 * step) {
            a0 = a0.add(LongVector.fromMemorySegment(V, buffer, b, ByteOrder.LITTLE_ENDIAN));
            a1 = a1.add(LongVector.fromMemorySegment(V, buffer, b + step, ByteOrder.LITTLE_ENDIAN));
            a2 = a2.add(LongVector.fromMemorySegment(V, buffer, b + 2 * step, ByteOrder.LITTLE_ENDIAN));
            a3 = a3.add(LongVector.fromMemorySegment(V, buffer, b + 3 * step, ByteOrder.LITTLE_ENDIAN));
        }
        return a0.add(a1).add(a2).add(a3).reduceLanes(VectorOperators.ADD);
    }

    /** Four streams: [from + s·quarter, from + (s+1)·quarter) for s = 0..3, advanced together. */
    private long sum4(long from, long quarter) {
        long step = V.vectorByteSize();
        LongVector a0 = LongVector.zero(V), a1 = a0, a2 = a0, a3 = a0;
        for (long b = from; b < from + quarter; b += 4 * step) {
            a0 = a0.add(LongVector.fromMemorySegment(V, buffer, b, ByteOrder.LITTLE_ENDIAN)).add(LongVector.fromMemorySegment(V, buffer, b + step, ByteOrder.LITTLE_ENDIAN))
                    .add(LongVector.fromMemorySegment(V, buffer, b + 2 * step, ByteOrder.LITTLE_ENDIAN)).add(LongVector.fromMemorySegment(V, buffer, b + 3 * step, ByteOrder.LITTLE_ENDIAN));
            long c = b + quarter;
            a1 = a1.add(LongVector.fromMemorySegment(V, buffer, c, ByteOrder.LITTLE_ENDIAN)).add(LongVector.fromMemorySegment(V, buffer, c + step, ByteOrder.LITTLE_ENDIAN))
                    .add(LongVector.fromMemorySegment(V, buffer, c + 2 * step, ByteOrder.LITTLE_ENDIAN)).add(LongVector.fromMemorySegment(V, buffer, c + 3 * step, ByteOrder.LITTLE_ENDIAN));
            c += quarter;
            a2 = a2.add(LongVector.fromMemorySegment(V, buffer, c, ByteOrder.LITTLE_ENDIAN)).add(LongVector.fromMemorySegment(V, buffer, c + step, ByteOrder.LITTLE_ENDIAN))
                    .add(LongVector.fromMemorySegment(V, buffer, c + 2 * step, ByteOrder.LITTLE_ENDIAN)).add(LongVector.fromMemorySegment(V, buffer, c + 3 * step, ByteOrder.LITTLE_ENDIAN));
            c += quarter;
            a3 = a3.add(LongVector.fromMemorySegment(V, buffer, c, ByteOrder.LITTLE_ENDIAN)).add(LongVector.fromMemorySegment(V, buffer, c + step, ByteOrder.LITTLE_ENDIAN))
                    .add(LongVector.fromMemorySegment(V, buffer, c + 2 * step, ByteOrder.LITTLE_ENDIAN)).add(LongVector.fromMemorySegment(V, buffer, c + 3 * step, ByteOrder.LITTLE_ENDIAN));
        }
        return a0.add(a1).add(a2).add(a3).reduceLanes(VectorOperators.ADD);
    }

    private static void await(CyclicBarrier b) {
        try {
            b.await();
        } catch (Exception e) {
            throw new IllegalStateException("bandwidth probe threads did not start together", e);
        }
    }

    @Override public void close() { arena.close(); }
}
