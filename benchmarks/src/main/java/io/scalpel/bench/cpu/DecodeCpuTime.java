package io.scalpel.bench.cpu;

import io.scalpel.backend.cpu.CpuBackend;
import io.scalpel.io.Checkpoint;
import io.scalpel.model.Session;
import io.scalpel.model.Transformer;
import io.scalpel.perf.DecodeBenchmark;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * CPU time a decode step takes on each thread (the caller and the pool's workers, by
 * {@link ThreadMXBean}), beside its wall time. On a shared machine wall-clock tok/s measure the
 * neighbours as much as the engine; CPU time per token moves far less with them, and a caller busy
 * while the workers idle shows as unequal columns. After a 128-token prompt, {@code tokens} greedy
 * tokens per round; round 0 is the JIT's warm-up.
 *
 * <pre>java --add-modules jdk.incubator.vector -cp benchmarks/target/shaded/scalpel-benchmarks.jar \
 *     io.scalpel.bench.cpu.DecodeCpuTime MODEL [TOKENS=32] [ROUNDS=4] [THREADS=2]</pre>
 */
public final class DecodeCpuTime {
    private DecodeCpuTime() {}

    public static void main(String[] args) throws IOException {
        if (args.length < 1) {
            System.err.println("usage: DecodeCpuTime MODEL [TOKENS] [ROUNDS] [THREADS]");
            System.exit(2);
        }
        int tokens = args.length > 1 ? Integer.parseInt(args[1]) : 32;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 4;
        int threads = args.length > 3 ? Integer.parseInt(args[3]) : 2;
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        try (CpuBackend backend = new CpuBackend(threads); Checkpoint checkpoint = Checkpoint.open(Path.of(args[0]));
             Transformer model = new Transformer(checkpoint.config(), checkpoint.weights(), backend);
             Session session = model.newSession(128 + tokens)) {
            long[] workers = Thread.getAllStackTraces().keySet().stream()
                    .filter(t -> t.getName().startsWith("scalpel-cpu-")).mapToLong(Thread::threadId).toArray();
            long weightBytes = DecodeBenchmark.weightBytesPerToken(model);
            int vocab = checkpoint.config().vocabSize();
            int[] prompt = new int[128];
            for (int i = 0; i < prompt.length; i++) prompt[i] = (int) ((i * 7919L + 13) % vocab);
            for (int r = 0; r < rounds; r++) {
                session.reset();
                session.forward(prompt, null);
                int[] next = {backend.argmax(session.logits(), vocab)};
                long caller0 = mx.getCurrentThreadCpuTime(), pool0 = poolTime(mx, workers), t0 = System.nanoTime();
                for (int i = 0; i < tokens; i++) {
                    session.forward(next, null);
                    next[0] = backend.argmax(session.logits(), vocab);
                }
                double wall = (System.nanoTime() - t0) / 1e6 / tokens;
                double caller = (mx.getCurrentThreadCpuTime() - caller0) / 1e6 / tokens, pool = (poolTime(mx, workers) - pool0) / 1e6 / tokens;
                System.out.printf("round %d: wall %.1f ms/token (%.2f tok/s); CPU ms/token: caller %.1f, workers %.1f, total %.1f"
                                + " (%.2f GB of weights per CPU-second); load %s%n",
                        r, wall, 1e3 / wall, caller, pool, caller + pool, weightBytes / ((caller + pool) * 1e6), loadAverage());
            }
        }
    }

    private static long poolTime(ThreadMXBean mx, long[] ids) {
        return Arrays.stream(ids).map(mx::getThreadCpuTime).sum();
    }

    /** The 1-minute load average, or "?" where /proc has none. */
    static String loadAverage() {
        try {
            return java.nio.file.Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        } catch (IOException e) {
            return "?";
        }
    }
}
