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
 * same bytes — every variant in one JVM, interleaved round by round (on the shared machines here separate
 * JVMs differ by up to ±50 % and one JVM's speed drifts within seconds, so only ratios inside one round
 * mean much). Each round runs, in this order:
 * <ul>
 *   <li>{@code step}: {@code TOKENS} greedy decode steps after a 128-token prompt, every backend call timed
 *       ({@link TimedBackend}); the per-operation split is the median over rounds;</li>
 *   <li>{@code kernels}: the step's matrix products alone (per layer wq wk wv wo gate up down, then the
 *       classifier) through the backend, as a step issues them;</li>
 *   <li>{@code read}: a plain vector read of the same matrices' bytes, in the same order, each matrix shared
 *       between the threads in the pool's chunks ({@link WorkerPool#forRange(int, int, WorkerPool.RangeTask)}
 *       with a 4-row grain, as the kernels are);</li>
 *   <li>{@code read-halves}: the same read with each matrix in one contiguous share per thread.</li>
 * </ul>
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
        try (CpuBackend cpu = new CpuBackend(threads); WorkerPool readers = new WorkerPool(threads);
             Checkpoint checkpoint = Checkpoint.open(Path.of(args[0]))) {
            TimedBackend timed = new TimedBackend(cpu);
            try (Transformer model = new Transformer(checkpoint.config(), checkpoint.weights(), timed);
                 Session session = model.newSession(128 + tokens)) {
                run(model, session, timed, readers, tokens, rounds, threads);
            }
        }
    }

    private static void run(Transformer model, Session session, TimedBackend timed, WorkerPool readers, int tokens, int rounds, int threads) {
        List<CpuWeight> products = new ArrayList<>();
        for (Transformer.Layer l : model.layers()) {
            for (Weight w : new Weight[]{l.wq(), l.wk(), l.wv(), l.wo(), l.gate(), l.up(), l.down()}) products.add(CpuWeight.of(w));
        }
        products.add(CpuWeight.of(model.output()));
        long bytes = products.stream().mapToLong(w -> w.dtype().byteSize((long) w.rows() * w.cols())).sum();
        int widest = products.stream().mapToInt(w -> Math.max(w.rows(), w.cols())).max().orElse(0);
        var x = timed.allocate(widest);
        var out = timed.allocate(widest);
        float[] xs = new float[widest];
        SplittableRandom random = new SplittableRandom(1);
        for (int i = 0; i < widest; i++) xs[i] = (float) random.nextGaussian();
        timed.write(x, xs);
        int vocab = model.config().vocabSize();
        int[] prompt = new int[128];
        for (int i = 0; i < prompt.length; i++) prompt[i] = (int) ((i * 7919L + 13) % vocab);

        Map<String, double[]> perOp = new LinkedHashMap<>(); // ms per token, per round
        Map<String, double[]> variants = new LinkedHashMap<>(); // ms per step (or per pass over the step's matrices)
        for (String v : new String[]{"step", "ops sum", "kernels", "read", "read-halves"}) variants.put(v, new double[rounds]);
        long[] sink = new long[1];
        System.out.printf("%s, %d threads, %.1f MB of matrices per step, %d tokens per round; load %s%n",
                "dim " + model.config().dim() + ", " + model.config().layers() + " layers", threads, bytes / 1e6, tokens, loadAverage());
        for (int r = 0; r < rounds; r++) {
            session.reset();
            session.forward(prompt, null);
            int[] next = {timed.argmax(session.logits(), vocab)};
            timed.clear();
            timed.timing = true;
            long t0 = System.nanoTime();
            for (int i = 0; i < tokens; i++) {
                session.forward(next, null);
                next[0] = timed.argmax(session.logits(), vocab);
            }
            double step = (System.nanoTime() - t0) / 1e6 / tokens;
            timed.timing = false;
            double sum = 0;
            for (var e : timed.totals().entrySet()) {
                double ms = e.getValue().nanos / 1e6 / tokens;
                perOp.computeIfAbsent(e.getKey(), k -> new double[rounds])[r] = ms;
                sum += ms;
            }
            variants.get("step")[r] = step;
            variants.get("ops sum")[r] = sum;

            t0 = System.nanoTime();
            for (CpuWeight w : products) timed.matmul(out, x, w, 1);
            variants.get("kernels")[r] = (System.nanoTime() - t0) / 1e6;

            t0 = System.nanoTime();
            for (CpuWeight w : products) read(readers, w, 4, sink);
            variants.get("read")[r] = (System.nanoTime() - t0) / 1e6;

            t0 = System.nanoTime();
            for (CpuWeight w : products) read(readers, w, (w.rows() + threads - 1) / threads, sink);
            variants.get("read-halves")[r] = (System.nanoTime() - t0) / 1e6;

            System.out.printf("round %d: step %.2f ms/token (ops %.2f), kernels %.2f ms (%.1f GB/s), read %.2f ms (%.1f GB/s), read-halves %.2f ms (%.1f GB/s); load %s%n",
                    r, step, sum, variants.get("kernels")[r], bytes / variants.get("kernels")[r] / 1e6,
                    variants.get("read")[r], bytes / variants.get("read")[r] / 1e6,
                    variants.get("read-halves")[r], bytes / variants.get("read-halves")[r] / 1e6, loadAverage());
        }
        int from = rounds > 2 ? 1 : 0; // round 0 is the JIT's warm-up
        System.out.println("\nbest / median over rounds " + from + ".." + (rounds - 1) + " (ms):");
        for (var e : variants.entrySet()) {
            double[] v = Arrays.copyOfRange(e.getValue(), from, rounds);
            System.out.printf("  %-12s best %7.2f  median %7.2f%n", e.getKey(), min(v), median(v));
        }
        double stepMedian = median(Arrays.copyOfRange(variants.get("step"), from, rounds));
        System.out.println("\nper operation, median ms per token (share of the median step):");
        for (var e : perOp.entrySet()) {
            double m = median(Arrays.copyOfRange(e.getValue(), from, rounds));
            System.out.printf("  %-26s %7.3f  %5.1f %%%n", e.getKey(), m, 100 * m / stepMedian);
        }
        if (sink[0] == 42) System.out.println();
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
