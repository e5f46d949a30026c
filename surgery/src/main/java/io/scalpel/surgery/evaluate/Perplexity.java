package io.scalpel.surgery.evaluate;

import io.scalpel.model.Session;
import io.scalpel.model.Transformer;

/**
 * Mean negative log-likelihood per predicted token of a token stream, in nats (perplexity = e^NLL),
 * over non-overlapping windows of at most {@code window} tokens each starting with BOS — the simple,
 * reproducible protocol (no striding), so before/after numbers are comparable with each other, not
 * with papers that stride.
 */
public final class Perplexity {
    private Perplexity() {}

    /** @return mean NLL in nats per predicted token */
    public static double meanNll(Transformer model, int[] tokens, int bos, int window, int maxWindows) {
        int vocab = model.config().vocabSize();
        window = Math.min(window, model.config().contextLength());
        double total = 0;
        long count = 0;
        try (Session s = model.newSession(window)) {
            int windows = 0;
            for (int start = 0; start + 1 < tokens.length && windows < maxWindows; start += window - 1, windows++) {
                int n = Math.min(window - 1, tokens.length - start);
                int[] ids = new int[n + 1];
                ids[0] = bos;
                System.arraycopy(tokens, start, ids, 1, n);
                s.reset();
                float[] logits = s.forwardAllLogits(java.util.Arrays.copyOf(ids, n), null);
                for (int t = 0; t < n; t++) {
                    total += nll(logits, t * vocab, vocab, ids[t + 1]);
                    count++;
                }
            }
        }
        if (count == 0) throw new IllegalArgumentException("perplexity text is empty after tokenization");
        return total / count;
    }

    static double nll(float[] logits, int off, int vocab, int target) {
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < vocab; i++) max = Math.max(max, logits[off + i]);
        double sum = 0;
        for (int i = 0; i < vocab; i++) sum += StrictMath.exp(logits[off + i] - max);
        return Math.log(sum) + max - logits[off + target];
    }
}
