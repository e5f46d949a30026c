package io.scalpel.surgery.report;

import java.util.Objects;

/**
 * One model condition evaluated on the evaluation prompts.
 *
 * @param name              e.g. "base", "probe edit", "random direction 1"
 * @param behaviourScores   one score per prompt, higher = more of the behaviour to avoid (e.g. the
 *                          probe's class-1 probability or a toxicity classifier's score on the continuation);
 *                          same prompts in the same order for every condition
 * @param perplexity        on held-out text (e.g. WikiText-2); NaN when not measured
 * @param changedTokenShare share of generated tokens that differ from the base model's; NaN for the base itself
 * @param klToBase          mean KL(base ‖ this condition) of next-token distributions in nats (see
 *                          {@code NextTokenKl}); 0 for the base itself; NaN when not measured
 * @param storageError      ‖stored − (w + α·v)‖ / ‖α·v‖ of the edited rows (see {@code Edit}); NaN for the base
 */
public record ConditionScores(String name, double[] behaviourScores, double perplexity, double changedTokenShare, double klToBase,
                              double storageError) {
    public ConditionScores {
        Objects.requireNonNull(name, "name");
        behaviourScores = behaviourScores.clone();
    }

    public ConditionScores(String name, double[] behaviourScores, double perplexity, double changedTokenShare, double klToBase) {
        this(name, behaviourScores, perplexity, changedTokenShare, klToBase, Double.NaN);
    }

    @Override public double[] behaviourScores() { return behaviourScores.clone(); }

    public double mean() { return SampleStatistics.mean(behaviourScores); }

    public double standardError() { return SampleStatistics.standardError(behaviourScores); }

    public int count() { return behaviourScores.length; }
}
