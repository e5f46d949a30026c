package io.scalpel.surgery.activations;

import io.scalpel.model.HiddenStateListener;
import io.scalpel.model.Session;
import io.scalpel.model.Transformer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

import java.util.ArrayList;
import java.util.List;

/**
 * Runs the model over token sequences and keeps, per sequence, the mean over all its positions (BOS
 * included, as the paper's reference code) of one hidden state — by default index L, the final
 * layer's output after the final norm. Consecutive sequences are packed into one prefill of at most
 * {@code batchTokens} rows ({@link Session#forwardPacked}: each text at positions from 0, attending only
 * to itself), so the weights are streamed once per pack rather than once per text; a sequence longer
 * than the budget runs alone. Only the requested indices are copied off the backend.
 */
public final class ActivationCollector {
    /**
     * Rows per packed prefill unless told otherwise: ~10 SST-2-sized texts. The session's buffers grow with it
     * (a 7B's fp32 KV cache for 256 positions is 256 MiB); collection reads no logits, so the session makes no
     * [chunk, vocab] logits buffer and runs no output matmul.
     */
    public static final int DEFAULT_BATCH_TOKENS = 256;

    /** Rows per prefill chunk of a text that runs alone (longer than the budget), as a session's default. */
    private static final int LONE_CHUNK = 64;

    private final Transformer model;
    private final int[] indices;
    private final int maxTokens;
    private final int batchTokens;

    /**
     * @param index     hidden-state index (0 = embeddings … L = after the final norm)
     * @param maxTokens longer sequences are truncated to their first {@code maxTokens} tokens
     */
    public ActivationCollector(Transformer model, int index, int maxTokens) {
        this(model, new int[]{index}, maxTokens, DEFAULT_BATCH_TOKENS);
    }

    /** Several hidden-state indices pooled in the same forward passes (one packed pass per batch for all of them). */
    public ActivationCollector(Transformer model, int[] indices, int maxTokens) {
        this(model, indices, maxTokens, DEFAULT_BATCH_TOKENS);
    }

    /** @param batchTokens rows per packed prefill at most (1 = every text alone) */
    public ActivationCollector(Transformer model, int[] indices, int maxTokens, int batchTokens) {
        int layers = model.config().layers();
        if (indices.length == 0) throw new IllegalArgumentException("no hidden-state index to collect");
        for (int index : indices) {
            if (index < 0 || index > layers) throw new IllegalArgumentException("hidden-state index " + index + " outside [0, " + layers + "]");
        }
        if (java.util.Arrays.stream(indices).distinct().count() != indices.length) throw new IllegalArgumentException("an index is listed twice");
        if (maxTokens < 1) throw new IllegalArgumentException("max tokens must be >= 1");
        if (batchTokens < 1) throw new IllegalArgumentException("batch tokens must be >= 1");
        this.model = model;
        this.indices = indices.clone();
        this.maxTokens = Math.min(maxTokens, model.config().contextLength());
        this.batchTokens = Math.min(batchTokens, model.config().contextLength());
    }

    public int index() { return indices[0]; }

    public int maxTokens() { return maxTokens; }

    public int batchTokens() { return batchTokens; }

    /** Mean-pooled hidden states of the first index, one row per sequence, in order. */
    public float[][] collect(List<int[]> sequences, boolean showProgress) {
        return collectAll(sequences, showProgress)[0];
    }

    /** Mean-pooled hidden states, [index (in constructor order)][sequence][dim]. */
    public float[][][] collectAll(List<int[]> sequences, boolean showProgress) {
        float[][][] out = new float[indices.length][sequences.size()][];
        Pools pools = new Pools(model.config().layers(), indices, model.config().dim());
        int chunk = Math.max(batchTokens, Math.min(maxTokens, LONE_CHUNK));
        try (Session session = model.newSession(Math.max(maxTokens, chunk), chunk);
             ProgressBar bar = progress(sequences.size(), showProgress)) {
            int budget = batchTokens; // the session's chunk is at least this
            List<int[]> pack = new ArrayList<>();
            int packTokens = 0, first = 0;
            for (int s = 0; s <= sequences.size(); s++) {
                int[] ids = s < sequences.size() ? truncated(sequences.get(s), s) : null;
                if (!pack.isEmpty() && (ids == null || packTokens + ids.length > budget)) {
                    pools.start(pack);
                    session.forwardPacked(pack.toArray(int[][]::new), pools);
                    pools.finish(out, first);
                    if (bar != null) bar.stepBy(pack.size());
                    pack.clear();
                    packTokens = 0;
                }
                if (ids == null) break;
                if (pack.isEmpty()) first = s;
                if (ids.length > budget) {  // longer than a pack: alone, in chunks, as one sequence
                    pools.start(List.of(ids));
                    session.reset();
                    session.forwardHiddenStates(ids, pools);
                    pools.finish(out, s);
                    if (bar != null) bar.step();
                    continue;
                }
                pack.add(ids);
                packTokens += ids.length;
            }
        }
        return out;
    }

    private int[] truncated(int[] ids, int s) {
        if (ids.length == 0) throw new IllegalArgumentException("sequence " + s + " is empty");
        return ids.length > maxTokens ? java.util.Arrays.copyOf(ids, maxTokens) : ids;
    }

    /**
     * The running sums of one pass: which rows belong to which text (the packing the collector asked for),
     * and per text and index a float64 sum over its rows, taken in row order — the order a lone prefill
     * of the text adds them in, so packing changes no pooled bit of a text whose rows are the same bits packed or
     * alone (on the CPU: texts of 2+ tokens; a one-token text alone is a decode step, equal to rounding).
     */
    private static final class Pools implements HiddenStateListener {
        private final int[] indices;
        private final int[] slot;  // hidden-state index -> position in indices, or -1
        private final int dim;
        private int[] ends = new int[0];
        private int[] lengths = new int[0];
        private double[][][] sums = new double[0][][];

        Pools(int layers, int[] indices, int dim) {
            this.indices = indices;
            this.dim = dim;
            this.slot = new int[layers + 1];
            java.util.Arrays.fill(slot, -1);
            for (int j = 0; j < indices.length; j++) slot[indices[j]] = j;
        }

        void start(List<int[]> texts) {
            ends = new int[texts.size()];
            lengths = new int[texts.size()];
            sums = new double[texts.size()][indices.length][dim];
            int end = 0;
            for (int i = 0; i < texts.size(); i++) {
                lengths[i] = texts.get(i).length;
                end += lengths[i];
                ends[i] = end;
            }
        }

        @Override public boolean wants(int i) { return i >= 0 && i < slot.length && slot[i] >= 0; }

        @Override public void accept(int i, int position, float[] rows, int rowCount, int d) {
            int j = slot[i], text = 0;
            for (int r = 0; r < rowCount; r++) {
                int row = position + r;  // row of the pass: a lone text's position, or the pack's row
                while (row >= ends[text]) text++;
                double[] sum = sums[text][j];
                for (int k = 0; k < d; k++) sum[k] += rows[r * d + k];
            }
        }

        /** Writes the pooled means of this pass's texts into {@code out[·][first + text]}. */
        void finish(float[][][] out, int first) {
            for (int text = 0; text < sums.length; text++) {
                for (int j = 0; j < indices.length; j++) {
                    double[] sum = sums[text][j];
                    float[] mean = new float[dim];
                    for (int k = 0; k < dim; k++) mean[k] = (float) (sum[k] / lengths[text]);
                    out[j][first + text] = mean;
                }
            }
        }
    }

    private static ProgressBar progress(int total, boolean show) {
        if (!show) return null;
        return new ProgressBarBuilder().setTaskName("activations").setInitialMax(total)
                .setStyle(ProgressBarStyle.ASCII).setConsumer(new me.tongfei.progressbar.ConsoleProgressBarConsumer(System.err))
                .setUpdateIntervalMillis(500).build();
    }
}
