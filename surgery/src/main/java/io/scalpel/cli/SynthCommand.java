package io.scalpel.cli;

import io.scalpel.synth.SyntheticCheckpoint;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** A random-weight checkpoint of a named or custom shape, for benchmarks at sizes no real model here has. */
@Command(name = "synth", mixinStandardHelpOptions = true,
        description = "Write a seeded random-weight Llama checkpoint (15M, 42M, 110M, 1B, 7B or dim=..,hidden=..,layers=..,heads=..,kv=..,vocab=..).",
        footer = {"", "Example:", "  scalpel synth --shape 110M --dtype bf16 --format safetensors --out /tmp/synth-110M"})
public final class SynthCommand implements Callable<Integer> {
    @Option(names = "--shape", required = true, description = "15M | 42M | 110M | 1B | 7B | dim=..,hidden=..,layers=..,heads=..,kv=..,vocab=..") String shape;
    @Option(names = "--dtype", defaultValue = "f32", description = "f32 | f16 | bf16, or a GGUF type (--format gguf): q8_0 | q4_0 | q4_k | q6_k | q4_k_m (llama.cpp's Q4_K_M mix: Q4_K, with Q6_K for output and some layers' attn_v/ffn_down). Default ${DEFAULT-VALUE}.") String dtype;
    @Option(names = "--format", defaultValue = "safetensors", description = "safetensors | gguf | llama2c (default ${DEFAULT-VALUE}).") String format;
    @Option(names = "--seed", defaultValue = "1", description = "Seed (same seed, same bytes). Default ${DEFAULT-VALUE}.") long seed;
    @Option(names = "--out", required = true, description = "Output path (a directory for safetensors, a file otherwise); must not exist.") Path out;
    @Option(names = "--verbose", description = "Print stack traces on errors.") boolean verbose;

    @Override public Integer call() throws IOException {
        if (Files.exists(out)) throw new UserInputException(out + ": exists; choose a new path (nothing was written)");
        SyntheticCheckpoint.Spec spec = SyntheticCheckpoint.Spec.parse(shape, dtype, format, seed);
        long t0 = System.nanoTime();
        try {
            SyntheticCheckpoint.write(spec, out);
        } catch (java.nio.file.FileSystemException e) {
            throw e; // names its file; the command line's boundary says what went wrong
        } catch (IOException e) {
            throw new UserInputException(out + ": cannot write: " + e.getMessage() + " (nothing was left behind)");
        }
        System.err.printf("scalpel: wrote %s (%s, %.1f MB of weights) in %.1f s%n", out, spec.label(), spec.weightBytes() / 1e6,
                (System.nanoTime() - t0) / 1e9);
        System.out.println(out);
        return 0;
    }
}
