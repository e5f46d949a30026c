package io.scalpel.bench.cpu;

import io.scalpel.synth.SyntheticCheckpoint;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Resolves a benchmark model name to a checkpoint path: {@code stories260K} from the shared data,
 * {@code 15M}, {@code 42M}, {@code 110M} as synthetic llama2.c F32 files and {@code 110M-bf16} / {@code 110M-f16} as a
 * synthetic safetensors BF16 / F16 directory, generated once into the cache folder
 * ({@code -Dscalpel.bench.cache=DIR}, default {@code $TMPDIR/scalpel-bench}) and reused.
 */
final class BenchModels {
    private BenchModels() {}

    static Path resolve(String name) throws IOException {
        if (name.equals("stories260K")) return sharedModel("models/stories260K/stories260K.bin");
        String[] parts = name.split("-", 2);
        String dtype = parts.length > 1 ? parts[1] : "f32";
        String format = dtype.equals("f32") ? "llama2c" : "safetensors";
        SyntheticCheckpoint.Spec spec = SyntheticCheckpoint.Spec.parse(parts[0], dtype, format, 1);
        Path cache = Path.of(System.getProperty("scalpel.bench.cache", Path.of(System.getProperty("java.io.tmpdir"), "scalpel-bench").toString()));
        Path target = cache.resolve(spec.fileName());
        if (!Files.exists(target)) SyntheticCheckpoint.write(spec, target);
        return target;
    }

    /** A file under the shared data folder: {@code -Dscalpel.shared=DIR}, else a {@code shared} folder above the working directory. */
    static Path sharedModel(String relative) {
        String prop = System.getProperty("scalpel.shared");
        if (prop != null) return Path.of(prop).resolve(relative);
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            Path candidate = d.resolve("shared").resolve(relative);
            if (Files.exists(candidate)) return candidate;
        }
        throw new IllegalStateException("shared data not found: pass -Dscalpel.shared=/path/to/shared (needs " + relative + ")");
    }
}
