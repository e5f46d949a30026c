package io.scalpel.bench.cpu;

import io.scalpel.backend.Buffer;
import io.scalpel.backend.Weight;
import io.scalpel.backend.cpu.CpuBackend;
import io.scalpel.io.Checkpoint;
import io.scalpel.model.LayerWeights;
import io.scalpel.model.ModelWeights;
import io.scalpel.tensor.Tensor;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The matrix-vector products of a decode step alone, in a step's order (per layer wq, wk, wv, wo, gate,
 * up, down; then the output projection), with the caller's CPU time per weight for each kind of matrix.
 * In that order, as in a real step, every row length a kernel has reaches it from the first step on:
 * timing one kind of matrix after another instead measures what C2 compiled for whichever came first
 * (docs/benchmarks.md, issue #8, "F16 decode's long-row path"). Rounds in the first half are warm-up.
 *
 * <pre>java --add-modules jdk.incubator.vector -cp benchmarks/target/shaded/scalpel-benchmarks.jar \
 *     io.scalpel.bench.cpu.DecodeMatvecTime MODEL [THREADS=1] [ROUNDS=30]</pre>
 */
public final class DecodeMatvecTime {
    private DecodeMatvecTime() {}

    private record Product(String kind, Tensor tensor, Weight weight) {}

    public static void main(String[] args) throws IOException {
        if (args.length < 1) {
            System.err.println("usage: DecodeMatvecTime MODEL [THREADS] [ROUNDS]");
            System.exit(2);
        }
        int threads = args.length > 1 ? Integer.parseInt(args[1]) : 1;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 30;
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        try (CpuBackend backend = new CpuBackend(threads); Checkpoint checkpoint = Checkpoint.open(Path.of(args[0]))) {
            ModelWeights weights = checkpoint.weights();
            List<Product> step = new ArrayList<>();
            for (LayerWeights l : weights.layers()) {
                String[] kinds = {"wq", "wk", "wv", "wo", "gate", "up", "down"};
                Tensor[] tensors = {l.wq(), l.wk(), l.wv(), l.wo(), l.gate(), l.up(), l.down()};
                for (int i = 0; i < kinds.length; i++) step.add(new Product(kinds[i], tensors[i], backend.upload(tensors[i])));
            }
            step.add(new Product("output", weights.output(), backend.upload(weights.output())));
            int widest = step.stream().mapToInt(p -> Math.max(p.tensor().rows(), p.tensor().cols())).max().orElse(0);
            Buffer x = backend.allocate(widest), out = backend.allocate(widest);
            float[] xs = new float[widest];
            SplittableRandom random = new SplittableRandom(1);
            for (int i = 0; i < widest; i++) xs[i] = (float) random.nextGaussian();
            backend.write(x, xs);
            Map<String, long[]> nanosAndWeights = new LinkedHashMap<>();
            long wall = 0;
            for (int round = 0; round < rounds; round++) {
                boolean timed = round >= rounds / 2;
                long start = System.nanoTime();
                for (Product p : step) {
                    long c0 = mx.getCurrentThreadCpuTime();
                    backend.matmul(out.slice(0, p.tensor().rows()), x.slice(0, p.tensor().cols()), p.weight(), 1);
                    long cpu = mx.getCurrentThreadCpuTime() - c0;
                    if (timed) {
                        long[] t = nanosAndWeights.computeIfAbsent(p.kind(), k -> new long[2]);
                        t[0] += cpu;
                        t[1] += p.tensor().size();
                    }
                }
                if (timed) wall += System.nanoTime() - start;
            }
            int timedRounds = rounds - rounds / 2;
            StringBuilder line = new StringBuilder(step.getFirst().tensor().dtype() + ", " + threads + " thread(s), caller CPU ns per weight:");
            long cpu = 0, count = 0;
            for (var e : nanosAndWeights.entrySet()) {
                line.append(String.format(" %s %.3f", e.getKey(), (double) e.getValue()[0] / e.getValue()[1]));
                cpu += e.getValue()[0];
                count += e.getValue()[1];
            }
            System.out.println(line);
            System.out.printf("per step: caller CPU %.2f ms (%.3f ns/weight), wall %.2f ms; load %s%n",
                    cpu / 1e6 / timedRounds, (double) cpu / count, wall / 1e6 / timedRounds, DecodeCpuTime.loadAverage());
        }
    }
}
