package io.scalpel.perf;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scalpel.backend.Backend;
import io.scalpel.backend.Weight;
import io.scalpel.model.ModelConfig;
import io.scalpel.model.Session;
import io.scalpel.model.Transformer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Measures a model's generation speed the way a user sees it: prefill a prompt of N tokens, then
 * decode M tokens greedily (argmax on the backend, each token fed back). Warm-up runs let the JIT
 * compile the hot loops; the report gives medians over the timed repeats, and the decode bandwidth
 * the weights imply — decode reads every weight once per token, so tok/s × weight bytes is the
 * memory traffic a memory-bound step achieves (KV-cache reads come on top and are not counted).
 */
public final class DecodeBenchmark {
    private DecodeBenchmark() {}

    /** How much to run. {@code prefillTokens + decodeTokens} positions must fit the model's context. */
    public record Settings(int prefillTokens, int decodeTokens, int warmups, int repeats) {
        /** 32 prompt tokens then 224 decoded: 256 positions, as llama2.c's run.c does by default. */
        public static final Settings DEFAULT = new Settings(32, 224, 1, 3);

        public Settings {
            if (prefillTokens < 1 || decodeTokens < 1 || warmups < 0 || repeats < 1) {
                throw new IllegalArgumentException("benchmark needs >= 1 prompt token, >= 1 decode token, >= 1 repeat: " + this);
            }
        }
    }

    /**
     * What peak resident memory may exceed the checkpoint's files and the KV cache by: the JVM itself
     * (runtime, JIT, heap) and the working buffers (issue #8's goal: file + KV cache + 200 MB).
     */
    public static final long RESIDENT_ALLOWANCE_BYTES = 200_000_000L;

    /**
     * Medians over the timed repeats.
     *
     * @param weightBytesPerToken bytes of every weight a decode step reads (all layers, final norm, output matrix)
     * @param kvCacheBytes        the session's KV cache at full length (fp32 K and V for every layer)
     * @param checkpointBytes     the checkpoint's weight files ({@link io.scalpel.io.Checkpoint#fileBytes})
     */
    public record Report(String model, String backend, int prefillTokens, int decodeTokens, int repeats,
                         double prefillTokensPerSecond, double decodeTokensPerSecond, long weightBytesPerToken,
                         long kvCacheBytes, long checkpointBytes, ResidentMemory memory, double[] decodeRuns) {

        /** File + KV cache + {@link #RESIDENT_ALLOWANCE_BYTES}: the most the peak resident set should reach. */
        public long residentBudgetBytes() { return checkpointBytes + kvCacheBytes + RESIDENT_ALLOWANCE_BYTES; }

        /** Achieved decode bandwidth over the weights, in GB/s (10⁹ bytes). */
        public double decodeGigabytesPerSecond() { return decodeTokensPerSecond * weightBytesPerToken / 1e9; }

        public ObjectNode toJsonNode() {
            ObjectNode n = new ObjectMapper().createObjectNode();
            n.put("model", model);
            n.put("backend", backend);
            n.put("prefill_tokens", prefillTokens);
            n.put("decode_tokens", decodeTokens);
            n.put("repeats", repeats);
            n.put("prefill_tokens_per_s", round(prefillTokensPerSecond));
            n.put("decode_tokens_per_s", round(decodeTokensPerSecond));
            n.put("decode_gb_per_s", round(decodeGigabytesPerSecond()));
            n.put("weight_bytes_per_token", weightBytesPerToken);
            n.put("kv_cache_bytes", kvCacheBytes);
            n.put("resident_bytes", memory.residentBytes());
            n.put("peak_resident_bytes", memory.peakResidentBytes());
            n.put("checkpoint_bytes", checkpointBytes);
            n.put("resident_budget_bytes", residentBudgetBytes());
            if (memory.peakResidentBytes() >= 0) {
                // Positive: the JVM and working buffers; the goal is at most RESIDENT_ALLOWANCE_BYTES.
                n.put("peak_resident_over_file_and_kv_bytes", memory.peakResidentBytes() - checkpointBytes - kvCacheBytes);
                n.put("peak_resident_within_budget", memory.peakResidentBytes() <= residentBudgetBytes());
            }
            var runs = n.putArray("decode_tokens_per_s_runs");
            for (double r : decodeRuns) runs.add(round(r));
            return n;
        }

        public String toJson() { return toJsonNode().toString(); }

        @Override public String toString() {
            return String.format("%s on %s: prefill %d tok %.1f tok/s, decode %d tok %.2f tok/s = %.2f GB/s of weights (%.1f MB/token), "
                            + "RSS %.0f MB, peak %.0f MB (budget %.0f MB = file %.0f + KV cache %.0f + %.0f)",
                    model, backend, prefillTokens, prefillTokensPerSecond, decodeTokens, decodeTokensPerSecond,
                    decodeGigabytesPerSecond(), weightBytesPerToken / 1e6, memory.residentBytes() / 1e6,
                    memory.peakResidentBytes() / 1e6, residentBudgetBytes() / 1e6, checkpointBytes / 1e6, kvCacheBytes / 1e6,
                    RESIDENT_ALLOWANCE_BYTES / 1e6);
        }

        private static double round(double v) { return Math.round(v * 100) / 100.0; }
    }

    /** @param checkpointBytes the model's weight files, for the resident-memory budget */
    public static Report run(String label, Transformer model, long checkpointBytes, Settings s) {
        ModelConfig c = model.config();
        int positions = s.prefillTokens() + s.decodeTokens();
        if (positions > c.contextLength()) {
            throw new IllegalArgumentException(positions + " positions exceed the model's context of " + c.contextLength());
        }
        int[] prompt = prompt(c, s.prefillTokens());
        double[] prefill = new double[s.repeats()], decode = new double[s.repeats()];
        ResidentMemory memory;
        try (Session session = model.newSession(positions)) {
            for (int i = 0; i < s.warmups(); i++) once(model, session, prompt, s.decodeTokens());
            for (int i = 0; i < s.repeats(); i++) {
                long[] nanos = once(model, session, prompt, s.decodeTokens());
                prefill[i] = s.prefillTokens() / (nanos[0] / 1e9);
                decode[i] = s.decodeTokens() / (nanos[1] / 1e9);
            }
            memory = ResidentMemory.now(); // while the session (KV cache) is still alive
        }
        long kvBytes = 2L * c.layers() * positions * c.kvDim() * Float.BYTES;
        return new Report(label, model.backend().name(), s.prefillTokens(), s.decodeTokens(), s.repeats(),
                median(prefill), median(decode), weightBytesPerToken(model), kvBytes, checkpointBytes, memory, decode);
    }

    /** {prefill nanos, decode nanos} of one generation from position 0. */
    private static long[] once(Transformer model, Session session, int[] prompt, int decodeTokens) {
        Backend b = model.backend();
        int vocab = model.config().vocabSize();
        int[] next = new int[1];
        session.reset();
        long t0 = System.nanoTime();
        session.forward(prompt, null);
        next[0] = b.argmax(session.logits(), vocab); // the prefill's product is the first new token
        long t1 = System.nanoTime();
        for (int i = 0; i < decodeTokens; i++) {
            session.forward(next, null);
            next[0] = b.argmax(session.logits(), vocab);
        }
        long t2 = System.nanoTime();
        return new long[]{t1 - t0, t2 - t1};
    }

    /** BOS, then a fixed spread of ids: the same prompt every run, independent of any tokenizer. */
    static int[] prompt(ModelConfig c, int n) {
        int[] p = new int[n];
        p[0] = c.bosId() < c.vocabSize() ? c.bosId() : 0;
        for (int i = 1; i < n; i++) p[i] = (int) ((i * 7919L + 13) % c.vocabSize());
        return p;
    }

    /** Bytes a decode step reads from the weights: every layer matrix and norm, the final norm, the output matrix. */
    public static long weightBytesPerToken(Transformer model) {
        List<Weight> read = new ArrayList<>();
        for (Transformer.Layer l : model.layers()) {
            read.addAll(Arrays.asList(l.attnNorm(), l.wq(), l.wk(), l.wv(), l.wo(), l.bq(), l.bk(), l.bv(),
                    l.ffnNorm(), l.gate(), l.up(), l.down()));
        }
        read.add(model.finalNorm());
        read.add(model.output());
        return read.stream().filter(w -> w != null).mapToLong(w -> w.dtype().byteSize((long) w.rows() * w.cols())).sum();
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
