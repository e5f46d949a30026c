package io.scalpel.surgery.evaluate;

import io.scalpel.model.Session;
import io.scalpel.model.Transformer;
import io.scalpel.sample.Generator;
import io.scalpel.sample.SamplingSettings;
import io.scalpel.surgery.chat.PromptEncoder;
import io.scalpel.surgery.edit.Edit;
import io.scalpel.surgery.edit.GateCosines;
import io.scalpel.surgery.edit.Surgeon;
import io.scalpel.surgery.probe.RandomDirections;
import io.scalpel.surgery.report.ConditionScores;
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
 * Each condition also gets KL(base ‖ condition) on the KL prompts ({@link NextTokenKl}), measured on
 * the edited model itself.
 */
public final class SurgeryEvaluator {

    /**
     * @param perplexityTokens tokens of a plain text for perplexity (null: skip)
     * @param klPositions      next-token distributions per KL prompt (N of {@link NextTokenKl})
     */
    public record Settings(int newTokens, int randomControls, long seed, int scoreMaxTokens,
                           int[] perplexityTokens, int perplexityWindow, int perplexityMaxWindows, int klPositions) {}

    /** One condition's continuations and the measurements that need the edited model itself. */
    /** @param storageError the edit's {@link Edit#storageError()}; NaN for the base model */
    public record Condition(String name, List<int[]> continuations, List<String> texts, double perplexityNll,
                            double changedTokenShare, double klToBase, double storageError) {
        public Condition(String name, List<int[]> continuations, List<String> texts, double perplexityNll,
                         double changedTokenShare, double klToBase) {
            this(name, continuations, texts, perplexityNll, changedTokenShare, klToBase, Double.NaN);
        }
    }

    /** The prompts (as given), every condition, then every score of every condition (score name → per-prompt values). */
    public record Outcome(List<String> prompts, List<Condition> conditions, Map<String, Map<String, double[]>> scores) {
        /** The report's view of each condition, with {@code primary} as its behaviour score. */
        public List<ConditionScores> conditionScores(String primary) {
            return conditions.stream().map(c -> new ConditionScores(c.name(), scores.get(c.name()).get(primary),
                    Math.exp(c.perplexityNll()), c.changedTokenShare(), c.klToBase(), c.storageError())).toList();
        }
    }

    /** What the base model did once, reused by every edited condition: its continuations and the KL reference. */
    public record Baseline(List<String> prompts, List<int[]> promptIds, Condition base, NextTokenKl.Reference kl) {}

    private final Transformer model;
    private final Tokenizer tokenizer;
    private final Surgeon surgeon;
    private final Settings settings;
    private final PromptEncoder prompts;

    public SurgeryEvaluator(Transformer model, Tokenizer tokenizer, Surgeon surgeon, Settings settings) {
        this(model, tokenizer, surgeon, settings, new PromptEncoder.Plain(tokenizer));
    }

    /** @param prompts how evaluation and KL prompts become token ids (plain, or the model's chat template) */
    public SurgeryEvaluator(Transformer model, Tokenizer tokenizer, Surgeon surgeon, Settings settings, PromptEncoder prompts) {
        this.model = model;
        this.tokenizer = tokenizer;
        this.surgeon = surgeon;
        this.settings = settings;
        this.prompts = prompts;
    }

    /**
     * @param prompts   evaluation prompts as the user wrote them (the prompt encoder applies any chat template)
     * @param klPrompts harmless prompts for KL(base ‖ edited)
     * @param editRows  the edit's (layer, row) pairs; the random controls edit as many rows, chosen by the same rule
     * @param scorers   name → scorer (run on the base model after all edits are reverted)
     */
    public Outcome run(List<String> prompts, List<String> klPrompts, int[][] editRows, float[] direction, float alpha,
                       Map<String, ContinuationScorer> scorers) {
        Baseline baseline = baseline(prompts, klPrompts);
        List<Condition> conditions = new ArrayList<>();
        conditions.add(baseline.base());
        conditions.add(measureEdited("probe direction", baseline, editRows, direction, alpha));
        List<float[]> controls = controlDirections(direction);
        for (int c = 0; c < controls.size(); c++) {
            conditions.add(measureEdited("random direction " + (c + 1), baseline, controlRows(controls.get(c), editRows.length),
                    controls.get(c), alpha));
        }
        Map<String, Map<String, double[]>> scores = new LinkedHashMap<>();
        for (Condition cond : conditions) scores.put(cond.name(), score(baseline, cond, scorers));
        return new Outcome(baseline.prompts(), conditions, scores);
    }

    /** Base continuations and KL reference; the model must be unedited. */
    public Baseline baseline(List<String> prompts, List<String> klPrompts) {
        if (!surgeon.applied().isEmpty()) throw new IllegalStateException("evaluate from the unedited model: revert applied edits first");
        List<int[]> promptIds = prompts.stream().map(this.prompts::encode).toList();
        NextTokenKl.Reference kl = NextTokenKl.reference(model, klPrompts.stream().map(this.prompts::encode).toList(),
                settings.klPositions());
        Baseline partial = new Baseline(prompts, promptIds, null, kl);
        return new Baseline(prompts, promptIds, measure("base", partial), kl);
    }

    /** The random-control directions: same norm as {@code direction}, seeded by the settings, the same for every call. */
    public List<float[]> controlDirections(float[] direction) {
        SplittableRandom seeds = new SplittableRandom(settings.seed());
        List<float[]> out = new ArrayList<>();
        for (int c = 0; c < settings.randomControls(); c++) out.add(RandomDirections.sameNorm(direction, seeds.nextLong()));
        return out;
    }

    /** The {@code k} rows a control direction edits, by the same rule as the probe direction. */
    public int[][] controlRows(float[] direction, int k) {
        Selection rows = GateRowSelector.select(Arrays.asList(GateCosines.compute(model, direction)), k);
        return rows.rows();
    }

    /** Measures with the edit applied; the edit is reverted however the measurement ends, so the model is never left edited. */
    public Condition measureEdited(String name, Baseline baseline, int[][] rows, float[] direction, float alpha) {
        Edit edit = surgeon.apply(rows, direction, alpha);
        try {
            Condition c = measure(name, baseline);
            return new Condition(c.name(), c.continuations(), c.texts(), c.perplexityNll(), c.changedTokenShare(), c.klToBase(),
                    edit.storageError());
        } finally {
            surgeon.revert(edit);
        }
    }

    /** Every scorer on one condition's continuations; call with the model unedited. */
    public Map<String, double[]> score(Baseline baseline, Condition cond, Map<String, ContinuationScorer> scorers) {
        if (!surgeon.applied().isEmpty()) throw new IllegalStateException("score on the unedited model: revert applied edits first");
        Continuations c = new Continuations(baseline.prompts(), cond.continuations(), cond.texts(), tokenizer.bosId());
        Map<String, double[]> s = new LinkedHashMap<>();
        scorers.forEach((name, scorer) -> s.put(name, scorer.score(c)));
        return s;
    }

    private Condition measure(String name, Baseline baseline) {
        List<int[]> continuations = new ArrayList<>();
        List<String> texts = new ArrayList<>();
        List<int[]> prompts = baseline.promptIds();
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
        Condition base = baseline.base();
        double changed = base == null ? Double.NaN : changedShare(base.continuations(), continuations);
        double kl = NextTokenKl.mean(model, baseline.kl());
        return new Condition(name, continuations, texts, nll, changed, kl);
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
