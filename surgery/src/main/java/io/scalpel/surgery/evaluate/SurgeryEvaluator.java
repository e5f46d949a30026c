package io.scalpel.surgery.evaluate;

import io.scalpel.model.Session;
import io.scalpel.model.Transformer;
import io.scalpel.sample.Generator;
import io.scalpel.sample.SamplingSettings;
import io.scalpel.surgery.edit.Edit;
import io.scalpel.surgery.edit.GateCosines;
import io.scalpel.surgery.edit.Surgeon;
import io.scalpel.surgery.probe.RandomDirections;
import io.scalpel.surgery.select.GateRowSelector;
import io.scalpel.surgery.select.Selection;
import io.scalpel.tokenizer.Tokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Measures an edit the way the paper's ablations do, in one process on the resident weights:
 * greedy continuations of the same prompts under the base model, the probe-direction edit, and
 * random-direction controls (same norm, same K, selected by the same rule, same α) — then scores every
 * continuation with the unedited model, so the only thing that differs between conditions is the text.
 */
public final class SurgeryEvaluator {

    /** @param perplexityTokens tokens of a plain text for perplexity (null: skip) */
    public record Settings(int newTokens, int randomControls, long seed, int scoreMaxTokens,
                           int[] perplexityTokens, int perplexityWindow, int perplexityMaxWindows) {}

    /** One condition's continuations and the measurements that need the edited model itself. */
    /** @param storageError the edit's {@link Edit#storageError()}; NaN for the base model */
    public record Condition(String name, List<int[]> continuations, List<String> texts, double perplexityNll,
                            double changedTokenShare, double storageError) {
        public Condition(String name, List<int[]> continuations, List<String> texts, double perplexityNll, double changedTokenShare) {
            this(name, continuations, texts, perplexityNll, changedTokenShare, Double.NaN);
        }
    }

    /** Every condition, then every score of every condition (score name → per-prompt values). */
    public record Outcome(List<Condition> conditions, Map<String, Map<String, double[]>> scores) {}

    private final Transformer model;
    private final Tokenizer tokenizer;
    private final Surgeon surgeon;
    private final Settings settings;

    public SurgeryEvaluator(Transformer model, Tokenizer tokenizer, Surgeon surgeon, Settings settings) {
        this.model = model;
        this.tokenizer = tokenizer;
        this.surgeon = surgeon;
        this.settings = settings;
    }

    /**
     * @param editRows the edit's (layer, row) pairs; the random controls edit as many rows, chosen by the same rule
     * @param scorers name → scorer of token sequences (run on the base model after all edits are reverted)
     * @param lexicon may be null
     */
    public Outcome run(List<String> prompts, int[][] editRows, float[] direction, float alpha,
                       Map<String, ProbeScorer> scorers, LexiconScorer lexicon) {
        int k = editRows.length;
        if (!surgeon.applied().isEmpty()) throw new IllegalStateException("evaluate from the unedited model: revert applied edits first");
        List<int[]> promptIds = prompts.stream().map(p -> tokenizer.encode(p, true)).toList();
        List<Condition> conditions = new ArrayList<>();
        Condition base = measure("base", promptIds, null);
        conditions.add(base);

        conditions.add(measureEdited("probe direction", promptIds, base, editRows, direction, alpha));

        SplittableRandom seeds = new SplittableRandom(settings.seed());
        for (int c = 0; c < settings.randomControls(); c++) {
            float[] r = RandomDirections.sameNorm(direction, seeds.nextLong());
            Selection rows = GateRowSelector.select(Arrays.asList(GateCosines.compute(model, r)), k);
            conditions.add(measureEdited("random direction " + (c + 1), promptIds, base, rows.rows(), r, alpha));
        }

        Map<String, Map<String, double[]>> scores = new LinkedHashMap<>();
        for (Condition cond : conditions) {
            Map<String, double[]> s = new LinkedHashMap<>();
            List<int[]> sequences = cond.continuations().stream().map(this::withBos).toList();
            scorers.forEach((name, scorer) -> s.put(name, scorer.score(sequences)));
            if (lexicon != null) s.put("lexicon hit", lexicon.score(cond.texts()));
            scores.put(cond.name(), s);
        }
        return new Outcome(conditions, scores);
    }

    private int[] withBos(int[] continuation) {
        int[] out = new int[continuation.length + 1];
        out[0] = tokenizer.bosId();
        System.arraycopy(continuation, 0, out, 1, continuation.length);
        return out;
    }

    /** Measures with the edit applied; the edit is reverted however the measurement ends, so the model is never left edited. */
    private Condition measureEdited(String name, List<int[]> prompts, Condition base, int[][] rows, float[] direction, float alpha) {
        Edit edit = surgeon.apply(rows, direction, alpha);
        try {
            Condition c = measure(name, prompts, base);
            return new Condition(c.name(), c.continuations(), c.texts(), c.perplexityNll(), c.changedTokenShare(), edit.storageError());
        } finally {
            surgeon.revert(edit);
        }
    }

    private Condition measure(String name, List<int[]> prompts, Condition base) {
        List<int[]> continuations = new ArrayList<>();
        List<String> texts = new ArrayList<>();
        int maxPrompt = prompts.stream().mapToInt(p -> p.length).max().orElse(1);
        int capacity = Math.min(model.config().contextLength(), maxPrompt + settings.newTokens());
        try (Session s = model.newSession(capacity)) {
            for (int[] p : prompts) {
                s.reset();
                int budget = Math.max(1, Math.min(settings.newTokens(), capacity - p.length));
                int[] ids = p.length >= capacity ? Arrays.copyOf(p, capacity - 1) : p;
                Generator.Result r = Generator.generate(s, ids, budget, SamplingSettings.greedy(), -1, t -> {});
                continuations.add(r.tokens());
                texts.add(tokenizer.decode(r.tokens()));
            }
        }
        double nll = settings.perplexityTokens() == null ? Double.NaN
                : Perplexity.meanNll(model, settings.perplexityTokens(), tokenizer.bosId(), settings.perplexityWindow(), settings.perplexityMaxWindows());
        double changed = base == null ? Double.NaN : changedShare(base.continuations(), continuations);
        return new Condition(name, continuations, texts, nll, changed);
    }

    /** Share of generated positions whose token differs from the base model's at the same position. */
    static double changedShare(List<int[]> base, List<int[]> other) {
        long diff = 0, total = 0;
        for (int i = 0; i < base.size(); i++) {
            int[] a = base.get(i), b = other.get(i);
            int n = Math.max(a.length, b.length);
            for (int t = 0; t < n; t++) if (t >= a.length || t >= b.length || a[t] != b[t]) diff++;
            total += n;
        }
        return total == 0 ? 0 : (double) diff / total;
    }

    /** Share of prompts whose whole continuation changed at all. */
    public static double changedContinuations(List<int[]> base, List<int[]> other) {
        int changed = 0;
        for (int i = 0; i < base.size(); i++) if (!Arrays.equals(base.get(i), other.get(i))) changed++;
        return base.isEmpty() ? 0 : (double) changed / base.size();
    }
}
