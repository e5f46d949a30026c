package io.scalpel.surgery.report;

import io.scalpel.surgery.probe.ProbeMetadata;

import java.util.List;
import java.util.Objects;

/**
 * Everything a surgery report shows: what was edited, how good the probe was, and the behaviour
 * scores of the base model, the probe-direction edit and the random-direction controls (same K,
 * same α, same rows chosen the same way but from a random direction of the same norm).
 *
 * @param model          model name or path
 * @param behaviour      e.g. "toxicity"
 * @param scoreName      what the behaviour scores are, e.g. "probe P(toxic) of the continuation"
 * @param k              edited rows
 * @param totalRows      gate_proj rows in the model
 * @param alpha          step size; with α &gt; 0 the edit is meant to lower the scores
 * @param probeLayer     hidden state the probe read
 * @param probe          the probe's training summary
 */
public record EvaluationResult(String model, String behaviour, String scoreName, int k, long totalRows, float alpha,
                               int probeLayer, ProbeMetadata probe, ConditionScores base, ConditionScores edited,
                               List<ConditionScores> randomControls) {
    public EvaluationResult {
        Objects.requireNonNull(model);
        Objects.requireNonNull(behaviour);
        Objects.requireNonNull(scoreName);
        Objects.requireNonNull(probe);
        Objects.requireNonNull(base);
        Objects.requireNonNull(edited);
        randomControls = List.copyOf(randomControls);
    }
}
