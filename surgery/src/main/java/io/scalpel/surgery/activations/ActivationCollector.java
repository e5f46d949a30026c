package io.scalpel.surgery.activations;

import io.scalpel.model.HiddenStateListener;
import io.scalpel.model.Session;
import io.scalpel.model.Transformer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

import java.util.List;

/**
 * Runs the model over token sequences and keeps, per sequence, the mean over all its positions (BOS
 * included, as the paper's reference code) of one hidden state — by default index L, the final
 * layer's output after the final norm. Each sequence is one prefill, so collection runs at prefill
 * speed; only the requested index is copied off the backend.
 */
public final class ActivationCollector {
    private final Transformer model;
    private final int[] indices;
    private final int maxTokens;

    /**
     * @param index     hidden-state index (0 = embeddings … L = after the final norm)
     * @param maxTokens longer sequences are truncated to their first {@code maxTokens} tokens
     */
    public ActivationCollector(Transformer model, int index, int maxTokens) {
        this(model, new int[]{index}, maxTokens);
    }

    /** Several hidden-state indices pooled in the same forward passes (one prefill per sequence for all of them). */
    public ActivationCollector(Transformer model, int[] indices, int maxTokens) {
        int layers = model.config().layers();
        if (indices.length == 0) throw new IllegalArgumentException("no hidden-state index to collect");
        for (int index : indices) {
            if (index < 0 || index > layers) throw new IllegalArgumentException("hidden-state index " + index + " outside [0, " + layers + "]");
        }
        if (java.util.Arrays.stream(indices).distinct().count() != indices.length) throw new IllegalArgumentException("an index is listed twice");
        if (maxTokens < 1) throw new IllegalArgumentException("max tokens must be >= 1");
        this.model = model;
        this.indices = indices.clone();
        this.maxTokens = Math.min(maxTokens, model.config().contextLength());
    }

    public int index() { return indices[0]; }

    public int maxTokens() { return maxTokens; }

    /** Mean-pooled hidden states of the first index, one row per sequence, in order. */
    public float[][] collect(List<int[]> sequences, boolean showProgress) {
        return collectAll(sequences, showProgress)[0];
    }

    /** Mean-pooled hidden states, [index (in constructor order)][sequence][dim]. */
    public float[][][] collectAll(List<int[]> sequences, boolean showProgress) {
        int dim = model.config().dim();
        float[][][] out = new float[indices.length][sequences.size()][];
        double[][] sums = new double[model.config().layers() + 1][];
        for (int index : indices) sums[index] = new double[dim];
        HiddenStateListener listener = new HiddenStateListener() {
            @Override public boolean wants(int i) { return i >= 0 && i < sums.length && sums[i] != null; }
            @Override public void accept(int i, int position, float[] rows, int rowCount, int d) {
                double[] sum = sums[i];
                for (int r = 0; r < rowCount; r++) {
                    for (int k = 0; k < d; k++) sum[k] += rows[r * d + k];
                }
            }
        };
        try (Session session = model.newSession(maxTokens);
             ProgressBar bar = progress(sequences.size(), showProgress)) {
            for (int s = 0; s < sequences.size(); s++) {
                int[] ids = sequences.get(s);
                if (ids.length == 0) throw new IllegalArgumentException("sequence " + s + " is empty");
                if (ids.length > maxTokens) ids = java.util.Arrays.copyOf(ids, maxTokens);
                for (int index : indices) java.util.Arrays.fill(sums[index], 0);
                session.reset();
                session.forward(ids, listener);
                for (int j = 0; j < indices.length; j++) {
                    double[] sum = sums[indices[j]];
                    float[] mean = new float[dim];
                    for (int k = 0; k < dim; k++) mean[k] = (float) (sum[k] / ids.length);
                    out[j][s] = mean;
                }
                if (bar != null) bar.step();
            }
        }
        return out;
    }

    private static ProgressBar progress(int total, boolean show) {
        if (!show) return null;
        return new ProgressBarBuilder().setTaskName("activations").setInitialMax(total)
                .setStyle(ProgressBarStyle.ASCII).setConsumer(new me.tongfei.progressbar.ConsoleProgressBarConsumer(System.err))
                .setUpdateIntervalMillis(500).build();
    }
}
