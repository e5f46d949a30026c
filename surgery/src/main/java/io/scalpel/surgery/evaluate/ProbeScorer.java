package io.scalpel.surgery.evaluate;

import io.scalpel.model.Transformer;
import io.scalpel.surgery.activations.ActivationCollector;
import io.scalpel.surgery.probe.Probe;

import java.util.List;

/**
 * Scores token sequences with a probe: P(avoid) = softmax(W·h̄ + b)[1] of the sequence's mean-pooled
 * hidden state at the probe's layer. Always run on the unedited model, so every condition is judged
 * by the same yardstick.
 */
public final class ProbeScorer implements ContinuationScorer {
    private final Probe probe;
    private final ActivationCollector collector;

    /** @param batchTokens rows per packed prefill (1 = one sequence per prefill); the scores depend on it only to fp32 rounding (see ActivationCollector) */
    public ProbeScorer(Transformer model, Probe probe, int maxTokens, int batchTokens) {
        this.probe = probe;
        this.collector = new ActivationCollector(model, new int[]{probe.layer()}, maxTokens, batchTokens);
    }

    public Probe probe() { return probe; }

    /** Reads each continuation on its own, BOS first, as the probe was trained on whole texts. */
    @Override public double[] score(Continuations c) { return score(c.withBos()); }

    public double[] score(List<int[]> sequences) {
        float[][] pooled = collector.collect(sequences, false);
        double[] out = new double[pooled.length];
        for (int i = 0; i < pooled.length; i++) out[i] = avoidProbability(probe, pooled[i]);
        return out;
    }

    public static double avoidProbability(Probe p, float[] x) {
        float[][] w = p.weight();
        float[] b = p.bias();
        double z0 = b[0], z1 = b[1];
        for (int i = 0; i < x.length; i++) {
            z0 += (double) w[0][i] * x[i];
            z1 += (double) w[1][i] * x[i];
        }
        return 1.0 / (1.0 + Math.exp(z0 - z1));
    }
}
