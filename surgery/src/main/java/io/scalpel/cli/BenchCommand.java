package io.scalpel.cli;

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

    @Override public Integer call() {
        if (tokens < 1 || promptTokens < 1 || repeats < 1) throw new UserInputException("--tokens, --prompt-tokens and --repeats must be at least 1");
        try (LoadedModel m = LoadedModel.open(model, System.err)) {
            int room = m.transformer().config().contextLength();
            if (promptTokens + tokens > room) throw new UserInputException("--prompt-tokens + --tokens exceed the model's context of " + room);
            DecodeBenchmark.Report r = DecodeBenchmark.run(model.model.toString(), m.transformer(),
                    new DecodeBenchmark.Settings(promptTokens, tokens, 1, repeats));
            System.out.println(json ? r.toJson() : r.toString());
        }
        return 0;
    }
}
