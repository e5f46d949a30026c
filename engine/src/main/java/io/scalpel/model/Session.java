package io.scalpel.model;

import io.scalpel.backend.Backend;
import io.scalpel.backend.Buffer;
import io.scalpel.backend.DecodeGraphs;

import java.util.ArrayList;
import java.util.List;

/**
 * One sequence's inference state: the KV cache, the RoPE tables and the working buffers, all
 * allocated once on the backend so the per-token path allocates nothing. {@link #forward} processes
 * any number of new tokens at the current position — a whole prompt as matrix-matrix work in chunks,
 * or one token for decode — and leaves the last position's logits on the backend.
 */
public final class Session implements AutoCloseable {
    /**
     * Prompt rows per pass. The CPU GEMM widens each weight once per pass, so a 128-token prompt in one
     * pass instead of two of 64 halves that cost (110M F32, one thread: 12–16 % less matmul CPU time in
     * paired runs, 2026-12-01, docs/benchmarks.md);
     * the working buffers grow to 128 rows (but not the logits: one row, unless all rows' are asked for).
     */
    static final int DEFAULT_CHUNK = 128;

    private final Transformer model;
    private final Backend b;
    private final ModelConfig c;
    private final int capacity;
    private final int chunk;
    private final List<Buffer> kCache = new ArrayList<>(), vCache = new ArrayList<>();
    private final Buffer cos, sin, x, xb, xb2, q, att, hb, hb2;
    /** One row of logits: what generation and the benchmark read (the last position's). */
    private final Buffer logits;
    /**
     * Every row's logits, [chunk, vocab]: made on the first call that asks for them
     * ({@link #forwardAllLogits}, {@link #forwardPackedAllLogits}). Activation collection and probe
     * scoring never do, and for a 128k vocabulary this buffer is 66 MB at the default chunk of 128.
     */
    private Buffer chunkLogits;
    private final List<Buffer> owned = new ArrayList<>();
    /** Where the backend replays decode steps as a graph: the captured step and its k/v row buffers (made on first use). */
    private DecodeGraphs.DecodeGraph decodeGraph;
    private Buffer kStep, vStep;
    private int position;

    Session(Transformer model, int capacity, int chunkRows) {
        this.model = model;
        this.b = model.backend();
        this.c = model.config();
        if (capacity <= 0) throw new IllegalArgumentException("session capacity must be positive, got " + capacity);
        this.capacity = capacity;
        this.chunk = Math.max(1, Math.min(chunkRows, capacity));
        try {
            for (int l = 0; l < c.layers(); l++) {
                kCache.add(own(b.allocate((long) capacity * c.kvDim())));
                vCache.add(own(b.allocate((long) capacity * c.kvDim())));
            }
            RopeTable table = RopeTable.of(c, capacity);
            cos = own(b.allocate(table.cos().length));
            sin = own(b.allocate(table.sin().length));
            b.write(cos, table.cos());
            b.write(sin, table.sin());
            int width = Math.max(c.dim(), c.qDim());
            x = own(b.allocate((long) chunk * c.dim()));
            xb = own(b.allocate((long) chunk * width));
            xb2 = own(b.allocate((long) chunk * c.dim()));
            q = own(b.allocate((long) chunk * c.qDim()));
            att = own(b.allocate((long) chunk * c.qDim()));
            hb = own(b.allocate((long) chunk * c.hiddenDim()));
            hb2 = own(b.allocate((long) chunk * c.hiddenDim()));
            logits = own(b.allocate(c.vocabSize()));
        } catch (RuntimeException e) {
            // An allocation that fails part way (device memory full, say) must not strand the buffers before it.
            close();
            throw e;
        }
    }

    private Buffer own(Buffer buf) {
        owned.add(buf);
        return buf;
    }

    public Transformer model() { return model; }

    /** Tokens processed so far (the next token's position). */
    public int position() { return position; }

    public int capacity() { return capacity; }

    /** Forgets the sequence; the cache is overwritten from position 0. */
    public void reset() { position = 0; }

    /** Runs {@code tokens} from the current position; the last position's logits stay in {@link #logits()}. */
    public void forward(int[] tokens, HiddenStateListener listener) {
        run(tokens, listener, null, true);
    }

    /**
     * Runs {@code tokens} for their hidden states only: no output matmul (vocab × dim, the largest matrix of
     * a small model), and {@link #logits()} is left as it was. For callers that never read logits —
     * activation collection, probe scoring.
     */
    public void forwardHiddenStates(int[] tokens, HiddenStateListener listener) {
        run(tokens, listener, null, false);
    }

    /** Runs {@code tokens} and returns the logits of every one of them, [tokens.length, vocab]. */
    public float[] forwardAllLogits(int[] tokens, HiddenStateListener listener) {
        long size = (long) tokens.length * c.vocabSize();
        if (size > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(tokens.length + " positions × " + c.vocabSize() + " logits exceed one Java array; ask for fewer positions");
        }
        float[] all = new float[(int) size];
        run(tokens, listener, all, true);
        return all;
    }

    /** Runs {@code tokens} and returns the last position's logits. */
    public float[] forwardLastLogits(int[] tokens) {
        forward(tokens, null);
        float[] out = new float[c.vocabSize()];
        b.read(logits.slice(0, c.vocabSize()), out);
        return out;
    }

    /** The most rows one backend pass takes: prompts run in chunks of this size, and a packed forward fits in one. */
    public int chunkRows() { return chunk; }

    /**
     * Runs several independent sequences in one pass ("packing with position resets"): their tokens are
     * concatenated into one chunk, so the weights are streamed once for all of them, while each text's rows
     * get RoPE positions from 0 and attend only to the rows of their own text (a block-diagonal causal
     * mask). Every row's hidden states and logits are those of the text run alone from position 0.
     *
     * <p>The listener receives the chunk's rows with position 0: text {@code i} is rows
     * {@code [len(0) + … + len(i-1), … + len(i))}, in the order given. The session forgets any sequence it
     * held (its cache holds the packed texts afterwards) and is left at position 0.
     *
     * @param texts non-empty sequences, {@code sum of lengths <= }{@link #chunkRows()}
     */
    public void forwardPacked(int[][] texts, HiddenStateListener listener) {
        runPacked(texts, listener, false);
    }

    /** As {@link #forwardPacked} and returns the logits of every row, [total rows, vocab], in the same order. */
    public float[] forwardPackedAllLogits(int[][] texts, HiddenStateListener listener) {
        return runPacked(texts, listener, true);
    }

    private float[] runPacked(int[][] texts, HiddenStateListener listener, boolean allLogits) {
        if (texts.length == 0) throw new IllegalArgumentException("no texts to run");
        int[] starts = new int[texts.length + 1];
        for (int i = 0; i < texts.length; i++) {
            if (texts[i].length == 0) throw new IllegalArgumentException("text " + i + " of the pack is empty");
            starts[i + 1] = starts[i] + texts[i].length;
            if (starts[i + 1] > chunk) {
                throw new IllegalArgumentException("packed texts of " + starts[i + 1] + "+ tokens exceed the session's chunk of " + chunk + " rows");
            }
        }
        int total = starts[texts.length];
        int[] tokens = new int[total];
        for (int i = 0; i < texts.length; i++) System.arraycopy(texts[i], 0, tokens, starts[i], texts[i].length);
        position = 0;
        step(tokens, starts, listener, allLogits ? LogitRows.ALL : LogitRows.NONE);
        position = 0;
        if (!allLogits) return null;
        float[] out = new float[Math.multiplyExact(total, c.vocabSize())];
        b.read(chunkLogits.slice(0, out.length), out);
        return out;
    }

    /** The last position's logits as left by the latest {@link #forward}, on the backend. */
    public Buffer logits() { return logits.slice(0, c.vocabSize()); }

    private void run(int[] tokens, HiddenStateListener listener, float[] allLogits, boolean lastLogits) {
        if (tokens.length == 0) throw new IllegalArgumentException("no tokens to run");
        if (position + tokens.length > capacity) {
            throw new IllegalArgumentException("sequence of " + (position + tokens.length) + " positions exceeds the session's capacity of " + capacity);
        }
        if (tokens.length == 1 && listener == null && allLogits == null && lastLogits && b instanceof DecodeGraphs graphs && graphs.decodeGraphsEnabled()
                && graphs.holdsChosenToken(tokens[0])) {
            replayDecodeStep(graphs);
            return;
        }
        for (int start = 0; start < tokens.length; start += chunk) {
            int n = Math.min(chunk, tokens.length - start);
            // Decode passes one token: run the caller's array as is, so a step allocates nothing.
            int[] part = n == tokens.length ? tokens : java.util.Arrays.copyOfRange(tokens, start, start + n);
            boolean last = start + n == tokens.length;
            step(part, null, listener, allLogits != null ? LogitRows.ALL : last && lastLogits ? LogitRows.LAST : LogitRows.NONE);
            if (allLogits != null) {
                float[] part2 = new float[n * c.vocabSize()];
                b.read(chunkLogits.slice(0, (long) n * c.vocabSize()), part2);
                System.arraycopy(part2, 0, allLogits, start * c.vocabSize(), part2.length);
            }
        }
    }

    private enum LogitRows { NONE, LAST, ALL }

    /**
     * One decode step of the token the backend just chose, as a replayed graph: the same operations as
     * {@link #step} for one row, except that the position-dependent ones (embedding the chosen id, RoPE, the
     * K/V append, attention) read the position from the device, so one capture serves every position.
     */
    private void replayDecodeStep(DecodeGraphs graphs) {
        if (decodeGraph == null) {
            kStep = own(b.allocate(c.kvDim()));
            vStep = own(b.allocate(c.kvDim()));
            decodeGraph = graphs.newDecodeGraph(capacity, c.heads(), c.headDim());
        }
        if (decodeGraph.captured()) decodeGraph.replay(position);
        else decodeGraph.captureAndRun(() -> decodeStepBody(decodeGraph), position);
        position += 1;
    }

    private void decodeStepBody(DecodeGraphs.DecodeGraph g) {
        int d = c.dim(), kv = c.kvDim(), h = c.hiddenDim();
        g.embedChosen(x, model.embedding());
        for (int l = 0; l < c.layers(); l++) {
            Transformer.Layer w = model.layers().get(l);
            b.rmsNorm(xb, x, w.attnNorm(), 1, d, c.normEps());
            b.matmulTriple(xb, 1, q, w.wq(), kStep, w.wk(), vStep, w.wv());
            if (w.bq() != null) b.addBias(q, w.bq(), 1);
            if (w.bk() != null) b.addBias(kStep, w.bk(), 1);
            if (w.bv() != null) b.addBias(vStep, w.bv(), 1);
            g.rope(q, c.heads(), c.headDim(), cos, sin);
            g.rope(kStep, c.kvHeads(), c.headDim(), cos, sin);
            g.appendKv(kCache.get(l), vCache.get(l), kStep, vStep, kv);
            g.attention(att, q, kCache.get(l), vCache.get(l), c.heads(), c.kvHeads(), c.headDim());
            b.matmul(xb2, att, w.wo(), 1);
            b.add(x, xb2, d);
            b.rmsNorm(xb, x, w.ffnNorm(), 1, d, c.normEps());
            b.matmulPair(xb, 1, hb, w.gate(), hb2, w.up());
            b.swiglu(hb, hb2, h);
            b.matmul(xb2, hb, w.down(), 1);
            b.add(x, xb2, d);
        }
        b.rmsNorm(xb, x, model.finalNorm(), 1, d, c.normEps());
        b.matmul(logits, xb.slice(0, d), model.output(), 1);
    }

    /**
     * One chunk of T rows at the current position: the decoder, as llama2.c's run.c reads it. With
     * {@code segments} (row starts of independent texts, then T; the chunk is at position 0), RoPE and
     * attention run per text on its own rows and its own keys; every other op is row-wise, so it runs on
     * the whole chunk at once whatever the packing.
     */
    private void step(int[] tokens, int[] segments, HiddenStateListener listener, LogitRows logitRows) {
        int T = tokens.length, d = c.dim(), kv = c.kvDim(), qd = c.qDim(), h = c.hiddenDim();
        int pos0 = position;
        b.embed(x, model.embedding(), tokens);
        emit(listener, 0, x, T, d, pos0);
        for (int l = 0; l < c.layers(); l++) {
            Transformer.Layer w = model.layers().get(l);
            // attention block: x += Wo · attn(rope(Wq·n(x)), rope(Wk·n(x)), Wv·n(x))
            b.rmsNorm(xb, x, w.attnNorm(), T, d, c.normEps());
            Buffer k = kCache.get(l).slice((long) pos0 * kv, (long) T * kv);
            Buffer v = vCache.get(l).slice((long) pos0 * kv, (long) T * kv);
            b.matmulTriple(xb, T, q, w.wq(), k, w.wk(), v, w.wv());
            if (w.bq() != null) b.addBias(q, w.bq(), T);
            if (w.bk() != null) b.addBias(k, w.bk(), T);
            if (w.bv() != null) b.addBias(v, w.bv(), T);
            if (segments == null) {
                b.rope(q, T, c.heads(), c.headDim(), pos0, cos, sin);
                b.rope(k, T, c.kvHeads(), c.headDim(), pos0, cos, sin);
                b.attention(att, q, kCache.get(l), vCache.get(l), T, pos0, c.heads(), c.kvHeads(), c.headDim());
            } else {
                packedAttention(segments, l);
            }
            b.matmul(xb2, att, w.wo(), T);
            b.add(x, xb2, (long) T * d);
            // MLP block: x += Wdown · (silu(Wgate·n(x)) ⊙ Wup·n(x))
            b.rmsNorm(xb, x, w.ffnNorm(), T, d, c.normEps());
            b.matmulPair(xb, T, hb, w.gate(), hb2, w.up());
            b.swiglu(hb, hb2, (long) T * h);
            b.matmul(xb2, hb, w.down(), T);
            b.add(x, xb2, (long) T * d);
            if (l < c.layers() - 1) emit(listener, l + 1, x, T, d, pos0);
        }
        if (listener != null && listener.wantsLastLayerPrenorm()) emitAlways(listener, -1, x, T, d, pos0);
        b.rmsNorm(xb, x, model.finalNorm(), T, d, c.normEps());
        emit(listener, c.layers(), xb, T, d, pos0);
        switch (logitRows) {
            case NONE -> {}
            case LAST -> b.matmul(logits, xb.slice((long) (T - 1) * d, d), model.output(), 1);
            case ALL -> {
                if (chunkLogits == null) chunkLogits = own(b.allocate((long) chunk * c.vocabSize()));
                b.matmul(chunkLogits, xb, model.output(), T);
                // logits() is the last position's, whichever rows were asked for.
                b.copy(logits, chunkLogits.slice((long) (T - 1) * c.vocabSize(), c.vocabSize()), c.vocabSize());
            }
        }
        position += T;
    }

    /**
     * RoPE and attention of a packed chunk, one text at a time: text rows [r, r + n) are positions 0 … n-1,
     * and their keys are cache rows [r, r + n), so the cache seen from row r is that text's own cache
     * (the single-sequence ops, called on slices, give the block-diagonal causal mask).
     */
    private void packedAttention(int[] segments, int layer) {
        int qd = c.qDim(), kv = c.kvDim();
        Buffer kc = kCache.get(layer), vc = vCache.get(layer);
        for (int s = 0; s + 1 < segments.length; s++) {
            int r = segments[s], n = segments[s + 1] - r;
            Buffer qs = q.slice((long) r * qd, (long) n * qd);
            Buffer ks = kc.slice((long) r * kv, (long) n * kv), vs = vc.slice((long) r * kv, (long) n * kv);
            b.rope(qs, n, c.heads(), c.headDim(), 0, cos, sin);
            b.rope(ks, n, c.kvHeads(), c.headDim(), 0, cos, sin);
            b.attention(att.slice((long) r * qd, (long) n * qd), qs, ks, vs, n, 0, c.heads(), c.kvHeads(), c.headDim());
        }
    }

    private void emit(HiddenStateListener listener, int index, Buffer src, int rows, int dim, int pos0) {
        if (listener != null && listener.wants(index)) emitAlways(listener, index, src, rows, dim, pos0);
    }

    private void emitAlways(HiddenStateListener listener, int index, Buffer src, int rows, int dim, int pos0) {
        float[] host = new float[rows * dim];
        b.read(src.slice(0, (long) rows * dim), host);
        listener.accept(index, pos0, host, rows, dim);
    }

    @Override public void close() {
        if (decodeGraph != null) {
            decodeGraph.close();
            decodeGraph = null;
        }
        for (Buffer buf : owned) buf.close();
        owned.clear();
    }
}
