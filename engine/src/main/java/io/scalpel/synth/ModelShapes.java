package io.scalpel.synth;

import io.scalpel.model.ModelConfig;
import io.scalpel.model.RopeScaling;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Llama shapes worth benchmarking, by name, or a custom one from a {@code key=value} spec. The named
 * shapes copy the published models' dimensions (llama2.c's stories15M/42M/110M, Llama 3.2 1B,
 * Llama 2 7B) so a random-weight file of that shape costs what the real model costs to run.
 */
public final class ModelShapes {
    private ModelShapes() {}

    /** The names {@link #parse} accepts besides a custom spec. */
    public static final java.util.List<String> NAMES = java.util.List.of("15M", "42M", "110M", "1B", "7B");

    /**
     * A named shape ("15M", "42M", "110M", "1B", "7B", case-insensitive) or a custom spec
     * {@code dim=..,hidden=..,layers=..,heads=..,kv=..,vocab=..} with optional {@code seq=},
     * {@code head_dim=}, {@code tied=true|false}, {@code theta=}.
     */
    public static ModelConfig parse(String spec) {
        String s = spec.trim();
        return switch (s.toUpperCase(Locale.ROOT)) {
            case "15M" -> stories(288, 768, 6, 6, 256);
            case "42M" -> stories(512, 1376, 8, 8, 1024);
            case "110M" -> stories(768, 2048, 12, 12, 1024);
            case "1B" -> new ModelConfig("llama", 2048, 8192, 16, 32, 8, 64, 128256, 131072, 1e-5f, 500000.0,
                    new RopeScaling.Llama3(32, 1, 4, 8192), true, 128000, 128001);
            case "7B" -> new ModelConfig("llama", 4096, 11008, 32, 32, 32, 128, 32000, 4096, 1e-5f, 10000.0,
                    new RopeScaling.None(), false, 1, 2);
            default -> custom(s);
        };
    }

    /** llama2.c's TinyStories models: heads = kv heads, shared classifier, Llama 2's vocabulary. */
    private static ModelConfig stories(int dim, int hidden, int layers, int heads, int seq) {
        return new ModelConfig("llama", dim, hidden, layers, heads, heads, dim / heads, 32000, seq, 1e-5f, 10000.0,
                new RopeScaling.None(), true, 1, 2);
    }

    private static ModelConfig custom(String spec) {
        if (!spec.contains("=")) {
            throw new IllegalArgumentException("unknown model shape \"" + spec + "\": use one of " + NAMES
                    + " or dim=..,hidden=..,layers=..,heads=..,kv=..,vocab=..");
        }
        Map<String, String> kv = new LinkedHashMap<>();
        for (String part : spec.split(",")) {
            String[] p = part.split("=", 2);
            if (p.length != 2 || p[0].isBlank()) throw new IllegalArgumentException("bad shape entry \"" + part + "\" in \"" + spec + "\" (expected key=value)");
            kv.put(p[0].trim().toLowerCase(Locale.ROOT), p[1].trim());
        }
        int dim = required(kv, "dim"), heads = required(kv, "heads");
        int kvHeads = kv.containsKey("kv") ? integer(kv, "kv") : heads;
        int headDim = kv.containsKey("head_dim") ? integer(kv, "head_dim") : dim / heads;
        int seq = kv.containsKey("seq") ? integer(kv, "seq") : 1024;
        boolean tied = !kv.containsKey("tied") || Boolean.parseBoolean(kv.get("tied"));
        double theta = kv.containsKey("theta") ? Double.parseDouble(kv.get("theta")) : 10000.0;
        ModelConfig c = new ModelConfig("llama", dim, required(kv, "hidden"), required(kv, "layers"), heads, kvHeads, headDim,
                required(kv, "vocab"), seq, 1e-5f, theta, new RopeScaling.None(), tied, 1, 2);
        kv.keySet().removeAll(java.util.Set.of("dim", "hidden", "layers", "heads", "kv", "vocab", "seq", "head_dim", "tied", "theta"));
        if (!kv.isEmpty()) throw new IllegalArgumentException("unknown shape keys " + kv.keySet() + " in \"" + spec + "\"");
        return c;
    }

    private static int required(Map<String, String> kv, String key) {
        if (!kv.containsKey(key)) throw new IllegalArgumentException("shape spec lacks \"" + key + "=\"");
        return integer(kv, key);
    }

    private static int integer(Map<String, String> kv, String key) {
        try {
            return Integer.parseInt(kv.get(key));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("shape key " + key + "=" + kv.get(key) + " is not an integer");
        }
    }
}
