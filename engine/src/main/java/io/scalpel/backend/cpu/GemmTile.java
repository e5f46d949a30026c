package io.scalpel.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The prefill micro-kernel: a tile of {@link #WEIGHT_ROWS} weight rows × {@link #TOKENS} tokens held
 * in twelve vector accumulators while one K-block streams past.
 *
 * <p>How work maps onto registers: the tokens run along the vector lanes (two vectors of
 * {@code F.length()} tokens, loaded from the packed activation panel, {@link GemmPack#activations}),
 * and each weight row's value at {@code i} is broadcast to all lanes and multiplied into both; six rows ×
 * two vectors = 12 accumulators + 2 activation vectors + 1 broadcast = 15 live vectors. That fits AVX2's
 * 16 registers without spilling; per step it issues 12 FMAs for 2 vector loads and 6 broadcast loads, so
 * the two FMA pipes, not the load ports, set the pace, and 12 independent chains cover the FMA latency
 * (2 pipes × 4 cycles = 8 chains needed). With 512-bit vectors (32 registers) the same shape holds twice
 * the tokens per tile and uses half the registers: still FMA-bound, nothing to switch. Tokens, not
 * features, go along the lanes so that the weights need no transposition: a weight row is widened
 * straight into the panel ({@link GemmPack#weights}) and read as a stream of scalars.
 *
 * <p>Summation order: each output is one fused multiply-add chain over k in index order, starting from
 * 0 — {@code acc = fma(w[i], x[i], acc)} — exactly what a plain scalar loop of {@link Math#fma} gives.
 * K-blocks only park the chain in memory between blocks, so the bits do not depend on the blocking, the
 * vector width or the thread split.
 *
 * <p>A prompt of at most one vector of tokens would leave half of every tile padding; {@link #runNarrow}
 * takes 12 rows × 1 vector instead (12 accumulators + 1 activation + 1 broadcast = 14 live, still 12
 * chains; 12 broadcasts per 12 FMAs is within Zen 3's 3 loads per cycle). Same order, same bits.
 *
 * <p>All vectors live and die inside one method each: no vector passed across a call (a vector crossing
 * a call that C2 does not inline is boxed; see {@link RowDot}).
 */
final class GemmTile {
    static final VectorSpecies<Float> F = Widen.F;
    /** Weight rows per tile. */
    static final int WEIGHT_ROWS = 6;
    /** Tokens per tile: two vectors' worth, whatever the vector width. */
    static final int TOKENS = 2 * F.length();
    /** Weight rows per {@link #runNarrow} tile. */
    static final int NARROW_WEIGHT_ROWS = 2 * WEIGHT_ROWS;
    /** Tokens per {@link #runNarrow} tile: one vector's worth. */
    static final int NARROW_TOKENS = F.length();

    private GemmTile() {}

    /**
     * Continues the chains of one tile over {@code kc} steps: weight rows at {@code w[wOff + r·kc + i]}
     * (r &lt; 6, i &lt; kc), activations at {@code x[xOff + i·TOKENS + t]} (t &lt; TOKENS), and the
     * partial sums at {@code c[cOff + r·TOKENS + t]}, which are read first and written back.
     */
    static void run(float[] w, int wOff, int kc, float[] x, int xOff, float[] c, int cOff) {
        int L = F.length(), T = 2 * L;
        int w0 = wOff, w1 = w0 + kc, w2 = w1 + kc, w3 = w2 + kc, w4 = w3 + kc, w5 = w4 + kc;
        FloatVector c00 = FloatVector.fromArray(F, c, cOff), c01 = FloatVector.fromArray(F, c, cOff + L);
        FloatVector c10 = FloatVector.fromArray(F, c, cOff + T), c11 = FloatVector.fromArray(F, c, cOff + T + L);
        FloatVector c20 = FloatVector.fromArray(F, c, cOff + 2 * T), c21 = FloatVector.fromArray(F, c, cOff + 2 * T + L);
        FloatVector c30 = FloatVector.fromArray(F, c, cOff + 3 * T), c31 = FloatVector.fromArray(F, c, cOff + 3 * T + L);
        FloatVector c40 = FloatVector.fromArray(F, c, cOff + 4 * T), c41 = FloatVector.fromArray(F, c, cOff + 4 * T + L);
        FloatVector c50 = FloatVector.fromArray(F, c, cOff + 5 * T), c51 = FloatVector.fromArray(F, c, cOff + 5 * T + L);
        for (int i = 0; i < kc; i++) {
            int xi = xOff + i * T;
            FloatVector a0 = FloatVector.fromArray(F, x, xi), a1 = FloatVector.fromArray(F, x, xi + L);
            FloatVector b = FloatVector.broadcast(F, w[w0 + i]);
            c00 = a0.fma(b, c00); c01 = a1.fma(b, c01);
            b = FloatVector.broadcast(F, w[w1 + i]);
            c10 = a0.fma(b, c10); c11 = a1.fma(b, c11);
            b = FloatVector.broadcast(F, w[w2 + i]);
            c20 = a0.fma(b, c20); c21 = a1.fma(b, c21);
            b = FloatVector.broadcast(F, w[w3 + i]);
            c30 = a0.fma(b, c30); c31 = a1.fma(b, c31);
            b = FloatVector.broadcast(F, w[w4 + i]);
            c40 = a0.fma(b, c40); c41 = a1.fma(b, c41);
            b = FloatVector.broadcast(F, w[w5 + i]);
            c50 = a0.fma(b, c50); c51 = a1.fma(b, c51);
        }
        c00.intoArray(c, cOff); c01.intoArray(c, cOff + L);
        c10.intoArray(c, cOff + T); c11.intoArray(c, cOff + T + L);
        c20.intoArray(c, cOff + 2 * T); c21.intoArray(c, cOff + 2 * T + L);
        c30.intoArray(c, cOff + 3 * T); c31.intoArray(c, cOff + 3 * T + L);
        c40.intoArray(c, cOff + 4 * T); c41.intoArray(c, cOff + 4 * T + L);
        c50.intoArray(c, cOff + 5 * T); c51.intoArray(c, cOff + 5 * T + L);
    }

    /** As {@link #run} for 12 weight rows × {@link #NARROW_TOKENS} tokens: activations at {@code x[xOff + i·L + t]}, sums at {@code c[cOff + r·L + t]}. */
    static void runNarrow(float[] w, int wOff, int kc, float[] x, int xOff, float[] c, int cOff) {
        int L = F.length();
        int w0 = wOff, w1 = w0 + kc, w2 = w1 + kc, w3 = w2 + kc, w4 = w3 + kc, w5 = w4 + kc;
        int w6 = w5 + kc, w7 = w6 + kc, w8 = w7 + kc, w9 = w8 + kc, w10 = w9 + kc, w11 = w10 + kc;
        FloatVector c0 = FloatVector.fromArray(F, c, cOff), c1 = FloatVector.fromArray(F, c, cOff + L);
        FloatVector c2 = FloatVector.fromArray(F, c, cOff + 2 * L), c3 = FloatVector.fromArray(F, c, cOff + 3 * L);
        FloatVector c4 = FloatVector.fromArray(F, c, cOff + 4 * L), c5 = FloatVector.fromArray(F, c, cOff + 5 * L);
        FloatVector c6 = FloatVector.fromArray(F, c, cOff + 6 * L), c7 = FloatVector.fromArray(F, c, cOff + 7 * L);
        FloatVector c8 = FloatVector.fromArray(F, c, cOff + 8 * L), c9 = FloatVector.fromArray(F, c, cOff + 9 * L);
        FloatVector c10 = FloatVector.fromArray(F, c, cOff + 10 * L), c11 = FloatVector.fromArray(F, c, cOff + 11 * L);
        for (int i = 0; i < kc; i++) {
            FloatVector a = FloatVector.fromArray(F, x, xOff + i * L);
            c0 = a.fma(FloatVector.broadcast(F, w[w0 + i]), c0);
            c1 = a.fma(FloatVector.broadcast(F, w[w1 + i]), c1);
            c2 = a.fma(FloatVector.broadcast(F, w[w2 + i]), c2);
            c3 = a.fma(FloatVector.broadcast(F, w[w3 + i]), c3);
            c4 = a.fma(FloatVector.broadcast(F, w[w4 + i]), c4);
            c5 = a.fma(FloatVector.broadcast(F, w[w5 + i]), c5);
            c6 = a.fma(FloatVector.broadcast(F, w[w6 + i]), c6);
            c7 = a.fma(FloatVector.broadcast(F, w[w7 + i]), c7);
            c8 = a.fma(FloatVector.broadcast(F, w[w8 + i]), c8);
            c9 = a.fma(FloatVector.broadcast(F, w[w9 + i]), c9);
            c10 = a.fma(FloatVector.broadcast(F, w[w10 + i]), c10);
            c11 = a.fma(FloatVector.broadcast(F, w[w11 + i]), c11);
        }
        c0.intoArray(c, cOff); c1.intoArray(c, cOff + L); c2.intoArray(c, cOff + 2 * L); c3.intoArray(c, cOff + 3 * L);
        c4.intoArray(c, cOff + 4 * L); c5.intoArray(c, cOff + 5 * L); c6.intoArray(c, cOff + 6 * L); c7.intoArray(c, cOff + 7 * L);
        c8.intoArray(c, cOff + 8 * L); c9.intoArray(c, cOff + 9 * L); c10.intoArray(c, cOff + 10 * L); c11.intoArray(c, cOff + 11 * L);
    }
}
