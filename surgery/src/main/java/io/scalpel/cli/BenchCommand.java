package io.scalpel.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scalpel.backend.cpu.CpuBackend;
import io.scalpel.perf.BandwidthProbe;
import io.scalpel.perf.DecodeBenchmark;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;

/** Prefill and decode speed after a warm-up, median of repeats; --json ends with one JSON line. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Measure prefill and decode tokens/s (median of repeats after a warm-up) and the achieved weight bandwidth.",
        footer = {"", "Example:", "  scalpel bench --model ../shared/models/stories260K/stories260K.bin --tokens 64 --json"})
public final class BenchCommand implements Callable<Integer> {
    @Mixin ModelOptions model;
    @Option(names = "--tokens", defaultValue = "128", description = "Decode tokens per repeat (default ${DEFAULT-VALUE}).") int tokens;
    @Option(names = "--prompt-tokens", defaultValue = "32", description = "Prefill tokens per repeat (default ${DEFAULT-VALUE}).") int promptTokens;
    @Option(names = "--repeats", defaultValue = "3", description = "Measured repeats (default ${DEFAULT-VALUE}).") int repeats;
    @Option(names = "--json", description = "Print the result as one JSON object on the last line.") boolean json;
    @Option(names = "--no-bandwidth-probe",
            description = "Skip the memory bandwidth probe (on the CPU, by default a 1 GiB buffer is read with the same threads after the run, and decode GB/s reported as a share of that bandwidth).")
    boolean noBandwidthProbe;

    @Override public Integer call() {
        if (tokens < 1 || promptTokens < 1 || repeats < 1) throw new UserInputException("--tokens, --prompt-tokens and --repeats must be at least 1");
        try (LoadedModel m = LoadedModel.open(model, System.err)) {
            int room = m.transformer().config().contextLength();
            if (promptTokens + tokens > room) throw new UserInputException("--prompt-tokens + --tokens exceed the model's context of " + room);
            DecodeBenchmark.Report r = DecodeBenchmark.run(model.model.toString(), m.transformer(), m.checkpoint().fileBytes(),
                    new DecodeBenchmark.Settings(promptTokens, tokens, 1, repeats));
            BandwidthProbe.Result floor = null;
            // After the run, so the probe's buffer is not in the reported resident memory.
            if (!noBandwidthProbe && m.transformer().backend() instanceof CpuBackend cpu) {
                try (BandwidthProbe probe = new BandwidthProbe(BandwidthProbe.DEFAULT_BYTES)) {
                    floor = probe.measure(cpu.threads(), 5);
                }
            }
            if (json) {
                ObjectNode n = r.toJsonNode();
                if (floor != null) {
                    n.put("bandwidth_gb_per_s", Math.round(floor.gigabytesPerSecond() * 100) / 100.0);
                    n.put("bandwidth_threads", floor.threads());
                    n.put("bandwidth_streams_per_thread", floor.streams());
                    n.put("decode_percent_of_floor", Math.round(1000 * r.decodeGigabytesPerSecond() / floor.gigabytesPerSecond()) / 10.0);
                }
                System.out.println(n);
            } else {
                System.out.println(r);
                if (floor != null) {
                    System.out.printf("memory read bandwidth, %d threads over %d MiB (%d stream%s each): %.2f GB/s; decode reached %.1f %% of it%n",
                            floor.threads(), floor.bytes() >> 20, floor.streams(), floor.streams() == 1 ? "" : "s",
                            floor.gigabytesPerSecond(), 100 * r.decodeGigabytesPerSecond() / floor.gigabytesPerSecond());
                }
            }
        }
        return 0;
    }
}
