package io.scalpel.bench.surgery;

import io.scalpel.backend.Backend;
import io.scalpel.backend.BackendChoice;
import io.scalpel.backend.cpu.CpuBackend;
import io.scalpel.backend.cuda.CudaOptions;
import io.scalpel.io.Checkpoint;
import io.scalpel.model.Transformer;
import io.scalpel.surgery.activations.ActivationCollector;
import io.scalpel.tokenizer.Tokenizer;
import io.scalpel.tokenizer.TokenizerLoader;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Activation collection, one text per prefill against packed prefills, timed in alternating rounds of the
 * same run (the machine may be shared: compare the ratio, not the rates): texts/s by wall clock and the
 * process's CPU seconds per round (all threads), plus a check that both pooled the same bits.
 *
 * <pre>java -cp benchmarks/target/shaded/scalpel-benchmarks.jar io.scalpel.bench.surgery.ActivationCollectionTool \
 *     MODEL TOKENIZER TEXTS.tsv [texts=200] [rounds=3] [threads=2] [budgets=1,256] [device=cpu]</pre>
 * TEXTS.tsv: SST-2 style, a header line, then label TAB text.
 */
public final class ActivationCollectionTool {
    private ActivationCollectionTool() {}

    public static void main(String[] args) throws IOException {
        if (args.length < 3) throw new IllegalArgumentException("usage: MODEL TOKENIZER TEXTS.tsv [texts] [rounds] [threads] [budgets] [device]");
        int count = args.length > 3 ? Integer.parseInt(args[3]) : 200;
        int rounds = args.length > 4 ? Integer.parseInt(args[4]) : 3;
        int threads = args.length > 5 ? Integer.parseInt(args[5]) : 2;
        int[] budgets = java.util.Arrays.stream((args.length > 6 ? args[6] : "1,256").split(",")).mapToInt(Integer::parseInt).toArray();
        String device = args.length > 7 ? args[7] : "cpu";
        Tokenizer tok = TokenizerLoader.load(Path.of(args[1]));
        List<int[]> texts = Files.readAllLines(Path.of(args[2]), StandardCharsets.UTF_8).stream().skip(1)
                .map(l -> l.substring(l.indexOf('\t') + 1)).limit(count).map(t -> tok.encode(t, true)).toList();
        long tokens = texts.stream().mapToLong(t -> Math.min(t.length, 64)).sum();
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        try (Checkpoint ck = Checkpoint.open(Path.of(args[0]));
             Backend backend = BackendChoice.open(BackendChoice.DeviceRequest.parse(device), CudaOptions.defaults(), () -> new CpuBackend(threads)).backend();
             Transformer m = new Transformer(ck.config(), ck.weights(), backend)) {
            int index = ck.config().layers();
            System.out.printf("%s on %s: %d texts, %d tokens (at most 64 each), %d rounds, budgets %s%n", args[0], backend.name(), texts.size(),
                    tokens, rounds, java.util.Arrays.toString(budgets));
            float[][] reference = null;
            double[][] wall = new double[budgets.length][rounds], cpu = new double[budgets.length][rounds];
            new ActivationCollector(m, new int[]{index}, 64, budgets[0]).collect(texts.subList(0, Math.min(8, texts.size())), false);  // warm-up
            for (int r = 0; r < rounds; r++) {
                for (int b = 0; b < budgets.length; b++) {
                    long c0 = os.getProcessCpuTime(), t0 = System.nanoTime();
                    float[][] pooled = new ActivationCollector(m, new int[]{index}, 64, budgets[b]).collect(texts, false);
                    wall[b][r] = (System.nanoTime() - t0) / 1e9;
                    cpu[b][r] = (os.getProcessCpuTime() - c0) / 1e9;
                    if (reference == null) reference = pooled;
                    else if (!java.util.Arrays.deepEquals(reference, pooled)) System.out.println("  budget " + budgets[b] + ": pooled vectors differ from budget " + budgets[0]);
                    System.out.printf("  round %d budget %4d: %.2f s wall (%.1f texts/s), %.2f CPU s%n", r, budgets[b], wall[b][r], texts.size() / wall[b][r], cpu[b][r]);
                }
            }
            for (int b = 1; b < budgets.length; b++) {
                double wallRatio = 0, cpuRatio = 0;
                for (int r = 0; r < rounds; r++) {
                    wallRatio += wall[0][r] / wall[b][r] / rounds;
                    cpuRatio += cpu[0][r] / cpu[b][r] / rounds;
                }
                System.out.printf("budget %d vs %d: %.2fx faster by wall clock, %.2fx less CPU time (mean of per-round ratios)%n",
                        budgets[b], budgets[0], wallRatio, cpuRatio);
            }
        }
    }
}
