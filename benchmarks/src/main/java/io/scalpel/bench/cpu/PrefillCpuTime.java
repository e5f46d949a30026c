package io.scalpel.bench.cpu;

import io.scalpel.backend.cpu.CpuBackend;
import io.scalpel.io.Checkpoint;
import io.scalpel.model.Session;
import io.scalpel.model.Transformer;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * Prefill of a 128-token prompt on one thread, timed by the thread's CPU time: tokens per CPU-second,
 * best of 5 passes after a warm-up. On a machine shared with other jobs this is the figure that stays
 * put (wall-clock tok/s depends on how much of a core the OS gave us).
 *
 * <pre>java --add-modules jdk.incubator.vector -cp benchmarks/target/shaded/scalpel-benchmarks.jar io.scalpel.bench.cpu.PrefillCpuTime MODEL</pre>
 */
public final class PrefillCpuTime {
    private PrefillCpuTime() {}

    public static void main(String[] args) {
        if (args.length != 1) {
            System.err.println("usage: PrefillCpuTime MODEL");
            System.exit(2);
        }
        ThreadMXBean cpu = ManagementFactory.getThreadMXBean();
        try (CpuBackend backend = new CpuBackend(1); Checkpoint ck = Checkpoint.open(Path.of(args[0]));
             Transformer model = new Transformer(ck.config(), ck.weights(), backend);
             Session session = model.newSession(256)) {
            int[] ids = new int[128];
            SplittableRandom random = new SplittableRandom(1);
            for (int i = 0; i < ids.length; i++) ids[i] = 1 + random.nextInt(Math.min(30000, ck.config().vocabSize() - 1));
            double best = Double.MAX_VALUE;
            for (int pass = 0; pass < 6; pass++) {
                session.reset();
                long start = cpu.getCurrentThreadCpuTime();
                session.forward(ids, null);
                double seconds = (cpu.getCurrentThreadCpuTime() - start) * 1e-9;
                if (pass > 0) best = Math.min(best, seconds);
            }
            System.out.printf("%s: prefill of %d tokens on 1 thread, best of 5: %.1f tokens per CPU-second%n", args[0], ids.length, ids.length / best);
        }
    }
}
