package io.scalpel.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** One fixture of {@code ../shared/golden} (see its FORMAT.md): expected logits, hidden states, greedy tokens. */
public record GoldenFixture(String name, Path dir, JsonNode expected) {

    public static final List<String> NAMES = List.of("llama_tiny_f32", "llama_gqa", "llama_head_dim", "llama_f16",
            "llama_bf16", "qwen2_bias_tied", "llama3_rope_scaling", "mistral", "llama_sharded", "llama2c_gqa_unshared", "stories260K");

    public static Stream<String> names() { return NAMES.stream(); }

    public static GoldenFixture load(String name) {
        Path dir = SharedData.require("golden/" + name);
        try {
            return new GoldenFixture(name, dir, new ObjectMapper().readTree(dir.resolve("expected.json").toFile()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The checkpoint path to load: the directory, or the llama2.c .bin. */
    public Path modelPath() {
        if (Files.exists(dir.resolve("config.json"))) return dir;
        if (name.equals("stories260K")) return SharedData.require("models/stories260K/stories260K.bin");
        return dir.resolve("model.bin");
    }

    public int[] inputIds() { return ints(expected.get("input_ids")); }

    public int[] greedyTokens() { return ints(expected.get("greedy").get("new_tokens")); }

    public double logitsTolerance() { return expected.get("tolerance").get("logits_rel_l2").asDouble(); }

    public float[] logits() { return floats("logits.bin"); }

    public float[] hiddenStates() { return floats("hidden_states.bin"); }

    public float[] lastLayerPrenorm() { return floats("last_layer_prenorm.bin"); }

    private float[] floats(String file) {
        try {
            ByteBuffer bb = ByteBuffer.wrap(Files.readAllBytes(dir.resolve(file))).order(ByteOrder.LITTLE_ENDIAN);
            float[] out = new float[bb.remaining() / 4];
            bb.asFloatBuffer().get(out);
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int[] ints(JsonNode n) {
        int[] out = new int[n.size()];
        for (int i = 0; i < out.length; i++) out[i] = n.get(i).asInt();
        return out;
    }

    /**
     * The fixture's greedy rule on {@code backend}: prefill the input ids, then argmax (lowest id on
     * ties) and feed it back, {@code greedyTokens().length} times, with no stop token.
     */
    public int[] runGreedy(io.scalpel.backend.Backend backend) {
        int n = greedyTokens().length;
        try (io.scalpel.io.Checkpoint ck = io.scalpel.io.Checkpoint.open(modelPath());
             io.scalpel.model.Transformer model = new io.scalpel.model.Transformer(ck.config(), ck.weights(), backend);
             io.scalpel.model.Session s = model.newSession(inputIds().length + n)) {
            int[] got = new int[n];
            s.forward(inputIds(), null);
            for (int i = 0; i < n; i++) {
                got[i] = backend.argmax(s.logits(), ck.config().vocabSize());
                if (i + 1 < n) s.forward(new int[]{got[i]}, null);
            }
            return got;
        }
    }

    /** ||a − b||₂ / ||b||₂ over whole arrays. */
    public static double relativeL2(float[] actual, float[] expected) {
        if (actual.length != expected.length) throw new AssertionError("length " + actual.length + " != " + expected.length);
        double num = 0, den = 0;
        for (int i = 0; i < actual.length; i++) {
            if (Float.isNaN(actual[i])) return Double.POSITIVE_INFINITY;
            double d = (double) actual[i] - expected[i];
            num += d * d;
            den += (double) expected[i] * expected[i];
        }
        return Math.sqrt(num / den);
    }
}
