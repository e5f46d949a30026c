package io.scalpel.surgery.evaluate;

import io.scalpel.model.Session;
import io.scalpel.model.Transformer;
import io.scalpel.sample.Generator;
import io.scalpel.sample.SamplingSettings;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * How far an edited model's next-token distributions drifted from the base's, on harmless prompts:
 * KL(base ‖ edited) in nats.
 *
 * <p>Protocol. For each prompt the base model first generates N greedy tokens c₁…c_N. The sequence
 * prompt + c₁…c_{N−1} is then run teacher-forced through a model, and its N distributions over the
 * next token — at the last prompt token (predicting c₁) through the one predicting c_N — are kept.
 * KL(p_base ‖ p_edited) = Σ_v p_base(v)·(log p_base(v) − log p_edited(v)) is computed at each of those
 * N positions; the result is the mean over positions within a prompt, then the mean over prompts.
 * Both models read the same tokens (the base's continuation), so KL measures the distributions, not
 * diverging text. Log-softmax is computed in double from the fp32 logits; the base's is stored as
 * float and the edited model's is rounded to float the same way, so the base against itself gives 0
 * exactly (every term is p·(x − x)).
 */
public final class NextTokenKl {

    /** The base model's teacher-forcing inputs and log-probabilities, computed once and reused for every condition. */
    public record Reference(List<int[]> inputs, int[] firstPosition, List<float[]> baseLogProbs, int positions, int vocab) {}

    private NextTokenKl() {}

    /**
     * @param prompts   token ids of each prompt (BOS included)
     * @param positions N, the number of next-token distributions per prompt (fewer where the context ends)
     */
    public static Reference reference(Transformer model, List<int[]> prompts, int positions) {
        if (positions < 1) throw new IllegalArgumentException("KL positions must be >= 1");
        int context = model.config().contextLength(), vocab = model.config().vocabSize();
        List<int[]> inputs = new ArrayList<>();
        int[] first = new int[prompts.size()];
        int maxPrompt = prompts.stream().mapToInt(p -> p.length).max().orElse(1);
        int capacity = Math.min(context, maxPrompt + positions);
        try (Session s = model.newSession(capacity)) {
            for (int i = 0; i < prompts.size(); i++) {
                int[] p = prompts.get(i).length >= capacity ? Arrays.copyOf(prompts.get(i), capacity - 1) : prompts.get(i);
                s.reset();
                int budget = Math.min(positions, capacity - p.length);
                int[] continuation = Generator.generate(s, p, budget, SamplingSettings.greedy(), -1, t -> {}).tokens();
                int n = Math.min(budget, continuation.length);
                int[] in = Arrays.copyOf(p, p.length + n - 1);
                System.arraycopy(continuation, 0, in, p.length, n - 1);
                inputs.add(in);
                first[i] = p.length - 1;
            }
        }
        Reference partial = new Reference(inputs, first, List.of(), positions, vocab);
        return new Reference(inputs, first, logProbs(model, partial), positions, vocab);
    }

    /** Mean KL(base ‖ model) in nats under the protocol above; {@code model} is the edited (or any) model with the base's shapes. */
    public static double mean(Transformer model, Reference ref) {
        List<float[]> edited = logProbs(model, ref);
        double sum = 0;
        for (int i = 0; i < edited.size(); i++) {
            float[] p = ref.baseLogProbs().get(i), q = edited.get(i);
            int n = p.length / ref.vocab();
            double perPrompt = 0;
            for (int t = 0; t < n; t++) perPrompt += kl(p, q, t * ref.vocab(), ref.vocab());
            sum += perPrompt / n;
        }
        return edited.isEmpty() ? Double.NaN : sum / edited.size();
    }

    static double kl(float[] logP, float[] logQ, int off, int vocab) {
        double d = 0;
        for (int v = 0; v < vocab; v++) {
            double lp = logP[off + v];
            if (lp == Double.NEGATIVE_INFINITY) continue; // p = 0 contributes nothing
            d += Math.exp(lp) * (lp - logQ[off + v]);
        }
        return d;
    }

    private static List<float[]> logProbs(Transformer model, Reference ref) {
        int vocab = ref.vocab();
        int capacity = ref.inputs().stream().mapToInt(a -> a.length).max().orElse(1);
        List<float[]> out = new ArrayList<>();
        try (Session s = model.newSession(capacity)) {
            for (int i = 0; i < ref.inputs().size(); i++) {
                int[] in = ref.inputs().get(i);
                s.reset();
                float[] logits = s.forwardAllLogits(in, null);
                int first = ref.firstPosition()[i], n = in.length - first;
                float[] lp = new float[n * vocab];
                for (int t = 0; t < n; t++) logSoftmax(logits, (first + t) * vocab, lp, t * vocab, vocab);
                out.add(lp);
            }
        }
        return out;
    }

    private static void logSoftmax(float[] logits, int from, float[] out, int to, int vocab) {
        double max = Double.NEGATIVE_INFINITY;
        for (int v = 0; v < vocab; v++) max = Math.max(max, logits[from + v]);
        double sum = 0;
        for (int v = 0; v < vocab; v++) sum += StrictMath.exp(logits[from + v] - max);
        double logZ = max + Math.log(sum);
        for (int v = 0; v < vocab; v++) out[to + v] = (float) (logits[from + v] - logZ);
    }
}
