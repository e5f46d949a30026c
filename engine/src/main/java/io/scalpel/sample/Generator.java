package io.scalpel.sample;

import io.scalpel.model.Session;

import java.util.SplittableRandom;
import java.util.function.IntConsumer;

/**
 * Autoregressive generation on a {@link Session}: prefill the prompt, then decode one token at a time.
 * The choice of the next token happens on the backend (argmax or sampling), so on a GPU only one id
 * per step crosses to the host. Seeded: the same seed and settings give the same tokens.
 */
public final class Generator {

    public enum StopReason { EOS, MAX_TOKENS, CONTEXT_FULL }

    /** What a generation produced and how long its two phases took. */
    public record Result(int[] tokens, StopReason stop, int promptTokens, long prefillNanos, long decodeNanos) {
        public double prefillTokensPerSecond() { return promptTokens / (prefillNanos / 1e9); }

        /** Decode speed over the tokens that needed a decode step (the first comes from the prefill). */
        public double decodeTokensPerSecond() { return Math.max(0, tokens.length - 1) / (decodeNanos / 1e9); }
    }

    private Generator() {}

    /**
     * @param eosId   stop when this id is produced (it is not passed to {@code onToken}); -1 never stops
     * @param onToken receives each new token as soon as it is chosen (for streaming)
     */
    public static Result generate(Session session, int[] prompt, int maxTokens, SamplingSettings settings, int eosId,
                                  IntConsumer onToken) {
        return generate(session, prompt, maxTokens, settings, eosId, session.model().config().vocabSize(), onToken);
    }

    /**
     * @param candidates only ids below this are chosen: the tokenizer's size where it is smaller than the
     *                   model's (padded) vocabulary, so every generated id can be spelt
     */
    public static Result generate(Session session, int[] prompt, int maxTokens, SamplingSettings settings, int eosId,
                                  int candidates, IntConsumer onToken) {
        if (prompt.length == 0) throw new IllegalArgumentException("empty prompt: at least one token (e.g. BOS) is needed");
        var backend = session.model().backend();
        int vocab = Math.min(candidates, session.model().config().vocabSize());
        if (vocab < 1) throw new IllegalArgumentException("no candidate tokens (" + candidates + ")");
        SplittableRandom random = new SplittableRandom(settings.seed());
        long t0 = System.nanoTime();
        session.forward(prompt, null);
        long t1 = System.nanoTime();
        int[] out = new int[maxTokens];
        int[] step = new int[1]; // reused: a decode step allocates nothing
        int n = 0;
        StopReason stop = StopReason.MAX_TOKENS;
        while (n < maxTokens) {
            int next = settings.isGreedy()
                    ? backend.argmax(session.logits(), vocab)
                    : backend.sample(session.logits(), vocab, settings.temperature(), settings.topK(), settings.topP(), random.nextDouble());
            if (next == eosId) {
                stop = StopReason.EOS;
                break;
            }
            out[n++] = next;
            onToken.accept(next);
            if (n == maxTokens) break;
            if (session.position() >= session.capacity()) {
                stop = StopReason.CONTEXT_FULL;
                break;
            }
            step[0] = next;
            session.forward(step, null);
        }
        long t2 = System.nanoTime();
        return new Result(java.util.Arrays.copyOf(out, n), stop, prompt.length, t1 - t0, t2 - t1);
    }
}
