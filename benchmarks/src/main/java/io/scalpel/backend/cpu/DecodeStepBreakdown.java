package io.scalpel.backend.cpu;

import io.scalpel.backend.Weight;
import io.scalpel.io.Checkpoint;
import io.scalpel.model.Session;
import io.scalpel.model.Transformer;
import io.scalpel.tensor.DType;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Where a decode step's time goes, and how close its matrix-vector products come to a plain read of the
 * same bytes — every variant in one JVM, interleaved token by token (on the shared machines here separate
 * JVMs differ by up to ±50 % and one JVM's speed drifts within seconds, so only ratios inside one run mean
 * much). For each of {@code TOKENS} greedy decode steps after a 128-token prompt it runs, in turn:
 * <ul>
 *   <li>{@code step}: the decode step, every backend call timed ({@link TimedBackend}); the per-operation
 *       split is over the steps only;</li>
 *   <li>{@code kernels-separate}: the step's matrix products alone, one call per matrix (per layer wq wk wv
 *       wo gate up down, then the classifier: 85 hand-offs for 110M);</li>
 *   <li>{@code kernels-grouped}: the same products as a step issues them (Q/K/V and gate/up one call each);</li>
 *   <li>{@code kernels-one-row}: the same products with the float rows one at a time ({@link RowDot#one}, one
 *       forward stream per thread, the same bits) instead of four interleaved rows;</li>
 *   <li>{@code read}: a plain vector read of the same matrices' bytes, in the same order, each matrix shared
 *       between the threads in the pool's chunks of 4-row grain, as the kernels are;</li>
 *   <li>{@code read-halves}: the same read with each matrix in one contiguous share per thread;</li>
 *   <li>{@code read-4}: the pool's chunks again, each read as four streams a quarter of the chunk apart — the
 *       pattern of the float kernels since main's 8bfb979.</li>
 * </ul>
 * Per kind of matrix it also times each product called twice in a row, the second call ("hot") reading a
 * matrix that the first left in L2/L3 where it fits (the line says how big each is): where the kernel from
 * DRAM runs about as fast as hot, it is bound by its arithmetic at this thread count, not by memory.
 * Each round prints the medians over its tokens (round 0 is the JIT's warm-up).
 * In the kernels' package (a split package on the class path) so it reaches the weights' segments.
 *
 * <pre>java --add-modules jdk.incubator.vector -cp benchmarks/target/shaded/scalpel-benchmarks.jar \
 *     io.scalpel.backend.cpu.DecodeStepBreakdown MODEL [TOKENS=64] [ROUNDS=8] [THREADS=2]</pre>
 */
public final class DecodeStepBreakdown {
    private static final VectorSpecies<Long> V = LongVector.SPECIES_PREFERRED;

    private DecodeStepBreakdown() {}

    public static void main(String[] args) throws IOException {
        if (args.length < 1) {
            System.err.println("usage: DecodeStepBreakdown MODEL [TOKENS] [ROUNDS] [THREADS]");
            System.exit(2);
        }
        int tokens = args.length > 1 ? Integer.parseInt(args[1]) : 64;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 8;
        int threads = args.length > 3 ? Integer.parseInt(args[3]) : 2;
        try (CpuBackend cpu = new CpuBackend(threads); WorkerPool readers = new WorkerPool(threads, 0);
             Checkpoint checkpoint = Checkpoint.open(Path.of(args[0]))) {
            TimedBackend timed = new TimedBackend(cpu);
            try (Transformer model = new Transformer(checkpoint.config(), checkpoint.weights(), timed);
                 Session session = model.newSession(128 + tokens)) {
                run(model, session, timed, cpu.pool(), readers, tokens, rounds, threads);
            }
        }
    }

    private static void run(Transformer model, Session session, TimedBackend timed, WorkerPool pool, WorkerPool attentionPool, int tokens, int rounds, int threads) {
        List<CpuWeight> products = new ArrayList<>();
        for (Transformer.Layer l : model.layers()) {
            for (Weight w : new Weight[]{l.wq(), l.wk(), l.wv(), l.wo(), l.gate(), l.up(), l.down()}) products.add(CpuWeight.of(w));
        }
        products.add(CpuWeight.of(model.output()));
        long bytes = products.stream().mapToLong(w -> w.dtype().byteSize((long) w.rows() * w.cols())).sum();
        int widest = products.stream().mapToInt(w -> Math.max(w.rows(), w.cols())).max().orElse(0);
        var x = timed.allocate(widest);
        var out = timed.allocate(widest);
        int qDim = model.config().qDim(), kvDim = model.config().kvDim(), hidden = model.config().hiddenDim();
        var q = timed.allocate(qDim);
        var k = timed.allocate(kvDim);
        var v = timed.allocate(kvDim);
        var gate = timed.allocate(hidden);
        var up = timed.allocate(hidden);
        float[] xs = new float[widest];
        SplittableRandom random = new SplittableRandom(1);
        for (int i = 0; i < widest; i++) xs[i] = (float) random.nextGaussian();
        timed.write(x, xs);
        int vocab = model.config().vocabSize();
        int[] prompt = new int[128];
        for (int i = 0; i < prompt.length; i++) prompt[i] = (int) ((i * 7919L + 13) % vocab);

        Map<String, double[]> perOp = new LinkedHashMap<>(); // ms per token, per round
        String[] names = {"step", "ops sum", "kernels-separate", "kernels-grouped", "kernels-one-row", "read", "read-halves", "read-4"};
        Map<String, double[]> variants = new LinkedHashMap<>(); // per round: median ms per step, or per pass over the step's matrices
        for (String name : names) variants.put(name, new double[rounds]);
        long[] sink = new long[1];
        System.out.printf("%s, %d threads, %.1f MB of matrices per step, %d tokens per round; load %s%n",
                "dim " + model.config().dim() + ", " + model.config().layers() + " layers", threads, bytes / 1e6, tokens, loadAverage());
        List<Transformer.Layer> layers = model.layers();
        int need = 0;
        for (CpuWeight w : products) need = Math.max(need, Math.max(RowDot.scratchFloats(w.cols()), QuantRowDot.scratchFloats(w.dtype(), w.cols())));
        float[][] scratch = new float[threads][need];
        long[][] kindNanos = new long[3][KINDS.length]; // kernels-separate, read, hot: over all rounds but the first
        for (int r = 0; r < rounds; r++) {
            session.reset();
            session.forward(prompt, null);
            int[] next = {timed.argmax(session.logits(), vocab)};
            timed.clear();
            if (r == 1) for (long[] kn : kindNanos) Arrays.fill(kn, 0);
            double[][] samples = new double[names.length][tokens];
            // Every variant once per token, in turn, so that the machine's drift reaches them all alike.
            for (int i = 0; i < tokens; i++) {
                timed.timing = true;
                long t0 = System.nanoTime();
                session.forward(next, null);
                next[0] = timed.argmax(session.logits(), vocab);
                samples[0][i] = (System.nanoTime() - t0) / 1e6;
                timed.timing = false;

                t0 = System.nanoTime();
                for (int p = 0; p < products.size(); p++) {
                    long p0 = System.nanoTime();
                    timed.matmul(out, x, products.get(p), 1);
                    kindNanos[0][kind(p, products.size())] += System.nanoTime() - p0;
                }
                samples[2][i] = (System.nanoTime() - t0) / 1e6;

                for (int p = 0; p < products.size(); p++) { // outside every variant's time
                    timed.matmul(out, x, products.get(p), 1);
                    long p0 = System.nanoTime();
                    timed.matmul(out, x, products.get(p), 1);
                    kindNanos[2][kind(p, products.size())] += System.nanoTime() - p0;
                }

                t0 = System.nanoTime();
                for (Transformer.Layer l : layers) {
                    timed.matmulTriple(x, 1, q, l.wq(), k, l.wk(), v, l.wv());
                    timed.matmul(out, x, l.wo(), 1);
                    timed.matmulPair(x, 1, gate, l.gate(), up, l.up());
                    timed.matmul(out, x, l.down(), 1);
                }
                timed.matmul(out, x, model.output(), 1);
                samples[3][i] = (System.nanoTime() - t0) / 1e6;

                t0 = System.nanoTime();
                for (CpuWeight w : products) oneRowAtATime(pool, w, x, out, scratch);
                samples[4][i] = (System.nanoTime() - t0) / 1e6;

                t0 = System.nanoTime();
                for (int p = 0; p < products.size(); p++) {
                    long p0 = System.nanoTime();
                    read(pool, products.get(p), 4, sink);
                    kindNanos[1][kind(p, products.size())] += System.nanoTime() - p0;
                }
                samples[5][i] = (System.nanoTime() - t0) / 1e6;

                t0 = System.nanoTime();
                for (CpuWeight w : products) read(pool, w, (w.rows() + threads - 1) / threads, sink);
                samples[6][i] = (System.nanoTime() - t0) / 1e6;

                t0 = System.nanoTime();
                for (CpuWeight w : products) read4(pool, w, sink);
                samples[7][i] = (System.nanoTime() - t0) / 1e6;
            }
            double sum = 0;
            for (var e : timed.totals().entrySet()) {
                double ms = e.getValue().nanos / 1e6 / tokens;
                perOp.computeIfAbsent(e.getKey(), o -> new double[rounds])[r] = ms;
                sum += ms;
            }
            samples[1] = new double[]{sum};
            StringBuilder line = new StringBuilder("round " + r + " (median ms):");
            for (int n = 0; n < names.length; n++) {
                double m = median(samples[n]);
                variants.get(names[n])[r] = m;
                line.append(String.format(" %s %.2f", names[n], m));
                if (n >= 2) line.append(String.format(" (%.1f GB/s, best %.2f)", bytes / m / 1e6, min(samples[n])));
            }
            System.out.println(line.append("; load ").append(loadAverage()));
        }
        int from = rounds > 2 ? 1 : 0; // round 0 is the JIT's warm-up
        System.out.println("\nbest / median over rounds " + from + ".." + (rounds - 1) + " (ms):");
        for (var e : variants.entrySet()) {
            double[] m = Arrays.copyOfRange(e.getValue(), from, rounds);
            System.out.printf("  %-12s best %7.2f  median %7.2f%n", e.getKey(), min(m), median(m));
        }
        double stepMedian = median(Arrays.copyOfRange(variants.get("step"), from, rounds));
        System.out.println("\nper matrix kind, outside the step (rounds 1..): kernels-separate against read, GB/s; hot = the same product called again at once");
        long[] kindBytes = new long[KINDS.length];
        for (int p = 0; p < products.size(); p++) {
            CpuWeight w = products.get(p);
            kindBytes[kind(p, products.size())] += w.dtype().byteSize((long) w.rows() * w.cols());
        }
        long passes = (long) (rounds - 1) * tokens;
        for (int kd = 0; kd < KINDS.length; kd++) {
            int count = kd == KINDS.length - 1 ? 1 : model.config().layers();
            System.out.printf("  %-7s kernel %5.2f GB/s, read %5.2f GB/s, kernel/read %.2f, kernel %.3f ms per matrix; hot %5.2f GB/s (%.1f MB each), kernel/hot %.2f%n", KINDS[kd],
                    kindBytes[kd] * passes / (double) kindNanos[0][kd], kindBytes[kd] * passes / (double) kindNanos[1][kd],
                    (double) kindNanos[1][kd] / kindNanos[0][kd], kindNanos[0][kd] / 1e6 / passes / count,
                    kindBytes[kd] * passes / (double) kindNanos[2][kd], kindBytes[kd] / 1e6 / count, (double) kindNanos[2][kd] / kindNanos[0][kd]);
        }
        System.out.println("\nper operation in the step (the step's ops only; the passes' calls are not counted), median ms per token (share of the median step):");
        for (var e : perOp.entrySet()) {
            double m = median(Arrays.copyOfRange(e.getValue(), from, rounds));
            System.out.printf("  %-26s %7.3f  %5.1f %%%n", e.getKey(), m, 100 * m / stepMedian);
        }
        attention(model, attentionPool, tokens, rounds, threads, sink);
        if (sink[0] == 42) System.out.println();
    }

    /**
     * Decode attention alone, split across {@code threads} against on the caller only, at the positions the
     * step runs (128 + i), interleaved layer by layer on per-layer caches of random K/V, with the layer's
     * MLP weights read between layers so that the caches come from beyond L2 as in a step.
     */
    private static void attention(Transformer model, WorkerPool readers, int tokens, int rounds, int threads, long[] sink) {
        var c = model.config();
        int heads = c.heads(), kvHeads = c.kvHeads(), headDim = c.headDim(), positions = 128 + tokens;
        SplittableRandom random = new SplittableRandom(2);
        CpuBuffer[] kc = new CpuBuffer[c.layers()], vc = new CpuBuffer[c.layers()];
        for (int l = 0; l < c.layers(); l++) {
            kc[l] = new CpuBuffer(gaussian(random, positions * c.kvDim()), 0, positions * c.kvDim());
            vc[l] = new CpuBuffer(gaussian(random, positions * c.kvDim()), 0, positions * c.kvDim());
        }
        CpuBuffer q = new CpuBuffer(gaussian(random, c.qDim()), 0, c.qDim()), out = new CpuBuffer(new float[c.qDim()], 0, c.qDim());
        // The split runs on the readers' pool, whose workers are awake from the read before, as the backend's
        // are from the matmul before attention in a step.
        try (WorkerPool one = new WorkerPool(1)) {
            Attention inline = new Attention(one), shared = new Attention(readers);
            System.out.println("\ndecode attention, ms per token (all layers), median over positions 128.." + (positions - 1) + ":");
            for (int r = 0; r < rounds; r++) {
                double[][] ms = new double[2][tokens];
                for (int i = 0; i < tokens; i++) {
                    for (int l = 0; l < c.layers(); l++) {
                        Transformer.Layer layer = model.layers().get(l);
                        for (int variant = 0; variant < 2; variant++) {
                            int which = (variant + i + l) % 2; // alternate which goes first
                            long t0 = System.nanoTime();
                            (which == 0 ? inline : shared).run(out, q, kc[l], vc[l], 1, 128 + i, heads, kvHeads, headDim);
                            ms[which][i] += (System.nanoTime() - t0) / 1e6;
                            for (Weight w : new Weight[]{layer.gate(), layer.up(), layer.down()}) {
                                CpuWeight cw = CpuWeight.of(w);
                                read(readers, cw, (cw.rows() + threads - 1) / threads, sink);
                            }
                        }
                    }
                }
                System.out.printf("round %d: inline %.3f (best %.3f), split across %d threads %.3f (best %.3f); load %s%n",
                        r, median(ms[0]), min(ms[0]), threads, median(ms[1]), min(ms[1]), loadAverage());
            }
        }
    }

    private static float[] gaussian(SplittableRandom r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) r.nextGaussian();
        return a;
    }

    private static final String[] KINDS = {"wq", "wk", "wv", "wo", "gate", "up", "down", "output"};

    /** Which of {@link #KINDS} product {@code p} of a step is. */
    private static int kind(int p, int count) { return p == count - 1 ? KINDS.length - 1 : p % 7; }

    /**
     * The float kernels' summation order one row at a time ({@link RowDot#one}, BF16's own: one forward stream per thread)
     * instead of {@link RowDot#rows}' four interleaved rows; quantized weights go through their kernel as usual.
     */
    private static void oneRowAtATime(WorkerPool pool, CpuWeight w, io.scalpel.backend.Buffer x, io.scalpel.backend.Buffer out, float[][] scratch) {
        CpuBuffer xb = CpuBuffer.of(x), ob = CpuBuffer.of(out);
        MemorySegment data = w.data();
        DType dt = w.dtype();
        int k = w.cols();
        pool.forRange(w.rows(), 4, (from, to, worker) -> {
            if (dt.isQuantized()) {
                QuantRowDot.rows(data, dt, from, to, k, xb.array(), xb.offset(), ob.array(), ob.offset(), scratch[worker]);
            } else if (dt == DType.BF16) { // BF16 has its own order (RowDot.bf16One): rows of one each
                for (int j = from; j < to; j++) RowDot.rows(data, dt, j, j + 1, k, xb.array(), xb.offset(), ob.array(), ob.offset(), scratch[worker]);
            } else {
                for (int j = from; j < to; j++) ob.array()[ob.offset() + j] = RowDot.one(data, dt, j, k, xb.array(), xb.offset());
            }
        });
    }

    /** Reads every byte of {@code w} once, shared across the pool in chunks of {@code grain} rows. */
    private static void read(WorkerPool pool, CpuWeight w, int grain, long[] sink) {
        MemorySegment data = w.data();
        DType dt = w.dtype();
        long rowBytes = dt.rowBytes(w.cols());
        long[] sums = new long[pool.parallelism()];
        pool.forRange(w.rows(), grain, (from, to, worker) -> sums[worker] += sum(data, from * rowBytes, to * rowBytes));
        for (long s : sums) sink[0] += s;
    }

    /** As {@link #read} in the pool's chunks, each chunk read as four streams a quarter of it apart (the float kernels' pattern). */
    private static void read4(WorkerPool pool, CpuWeight w, long[] sink) {
        MemorySegment data = w.data();
        long rowBytes = w.dtype().rowBytes(w.cols());
        long[] sums = new long[pool.parallelism()];
        pool.forRange(w.rows(), 4, (from, to, worker) -> {
            long a = from * rowBytes, unit = 4L * V.vectorByteSize(), quarter = (to - from) * rowBytes / 4 / unit * unit;
            sums[worker] += sum4(data, a, quarter) + sum(data, a + 4 * quarter, to * rowBytes);
        });
        for (long s : sums) sink[0] += s;
    }

    /** Four streams {@code [from + s·quarter, from + (s+1)·quarter)}, s = 0..3, advanced together. */
    private static long sum4(MemorySegment s, long from, long quarter) {
        long step = V.vectorByteSize();
        LongVector a0 = LongVector.zero(V), a1 = a0, a2 = a0, a3 = a0;
        for (long b = from; b < from + quarter; b += step) {
            a0 = a0.add(LongVector.fromMemorySegment(V, s, b, ByteOrder.LITTLE_ENDIAN));
            a1 = a1.add(LongVector.fromMemorySegment(V, s, b + quarter, ByteOrder.LITTLE_ENDIAN));
            a2 = a2.add(LongVector.fromMemorySegment(V, s, b + 2 * quarter, ByteOrder.LITTLE_ENDIAN));
            a3 = a3.add(LongVector.fromMemorySegment(V, s, b + 3 * quarter, ByteOrder.LITTLE_ENDIAN));
        }
        return a0.add(a1).add(a2).add(a3).reduceLanes(VectorOperators.ADD);
    }

    private static long sum(MemorySegment s, long from, long to) {
        long step = V.vectorByteSize();
        LongVector a0 = LongVector.zero(V), a1 = a0, a2 = a0, a3 = a0;
        long b = from;
        for (; b + 4 * step <= to; b += 4 * step) {
            a0 = a0.add(LongVector.fromMemorySegment(V, s, b, ByteOrder.LITTLE_ENDIAN));
            a1 = a1.add(LongVector.fromMemorySegment(V, s, b + step, ByteOrder.LITTLE_ENDIAN));
            a2 = a2.add(LongVector.fromMemorySegment(V, s, b + 2 * step, ByteOrder.LITTLE_ENDIAN));
            a3 = a3.add(LongVector.fromMemorySegment(V, s, b + 3 * step, ByteOrder.LITTLE_ENDIAN));
        }
        long tail = 0;
        for (; b < to; b++) tail += s.get(java.lang.foreign.ValueLayout.JAVA_BYTE, b);
        return a0.add(a1).add(a2).add(a3).reduceLanes(VectorOperators.ADD) + tail;
    }

    private static double min(double[] v) { return Arrays.stream(v).min().orElse(Double.NaN); }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        } catch (IOException e) {
            return "?";
        }
    }
}
