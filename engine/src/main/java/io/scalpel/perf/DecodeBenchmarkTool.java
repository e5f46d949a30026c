package io.scalpel.perf;

import io.scalpel.backend.cpu.CpuBackend;
import io.scalpel.io.Checkpoint;
import io.scalpel.model.Transformer;

import java.nio.file.Path;

/**
 * Command-line entry until {@code scalpel bench} exists:
 * {@code DecodeBenchmarkTool MODEL [--prefill N] [--tokens M] [--repeats R] [--threads T] [--json]}.
 */
public final class DecodeBenchmarkTool {
    private DecodeBenchmarkTool() {}

    public static void main(String[] args) {
        if (args.length < 1) {
            System.err.println("usage: DecodeBenchmarkTool MODEL [--prefill N] [--tokens M] [--repeats R] [--threads T] [--json]");
            System.exit(2);
        }
        Path model = Path.of(args[0]);
        DecodeBenchmark.Settings d = DecodeBenchmark.Settings.DEFAULT;
        int prefill = d.prefillTokens(), tokens = d.decodeTokens(), repeats = d.repeats();
        int threads = Runtime.getRuntime().availableProcessors();
        boolean json = false;
        for (int i = 1; i < args.length; i++) {
            switch (args[i]) {
                case "--prefill" -> prefill = Integer.parseInt(args[++i]);
                case "--tokens" -> tokens = Integer.parseInt(args[++i]);
                case "--repeats" -> repeats = Integer.parseInt(args[++i]);
                case "--threads" -> threads = Integer.parseInt(args[++i]);
                case "--json" -> json = true;
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        try (CpuBackend backend = new CpuBackend(threads);
             Checkpoint ck = Checkpoint.open(model);
             Transformer t = new Transformer(ck.config(), ck.weights(), backend)) {
            var report = DecodeBenchmark.run(model.getFileName().toString(), t, ck.fileBytes(), new DecodeBenchmark.Settings(prefill, tokens, d.warmups(), repeats));
            System.out.println(json ? report.toJson() : report.toString());
        }
    }
}
