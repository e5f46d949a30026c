package io.scalpel.surgery.evaluate;

/**
 * Scores each condition's greedy continuations for the behaviour to avoid: one number per prompt,
 * higher = more of it. Scorers run after every edit is reverted, so those that read the model judge
 * every condition with the same, unedited yardstick.
 */
public interface ContinuationScorer {
    double[] score(Continuations continuations);
}
