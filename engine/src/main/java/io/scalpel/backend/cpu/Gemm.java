package io.scalpel.backend.cpu;

import io.scalpel.tensor.DType;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * Prefill's matrix-matrix product {@code out[rows, n] = x[rows, k] · Wᵀ}, cache-blocked for any stored
 * weight dtype.
 *
 * <p>Blocking, innermost first: a {@link GemmTile} (6 weight rows × 2 vectors of tokens; 12 × 1 for a
 * prompt of at most one vector of tokens) runs over one
 * K-block of {@link #KC} steps; its activation panel (KC × tokens-per-tile floats: 16 KiB with AVX2) stays
 * in L1 while it meets every 6-row slice of a weight panel of up to {@link #NC} rows (NC × KC floats,
 * 96 KiB, in L2), widened from the stored dtype once per K-block; the K-blocks of all tokens' activations
 * are packed once per call by the calling thread ({@link GemmPack}). Threads share the output features:
 * the pool hands out chunks of whole tiles (6 rows, or 12 for the narrow tile), each worker widens and multiplies its own panels, so
 * every weight byte is read from memory once per call and every thread stays busy.
 *
 * <p>Summation order (the rule for products of more than one activation row; a one-row product — decode, or a one-token
 * prompt chunk — takes {@link RowDot}'s): every output is one fma chain
 * over k in index order from 0, the same bits whatever the K-blocking, vector width or thread schedule.
 * It is not decode's order (lanes of a vector accumulator added at the end), so prefill and decode of the
 * same row agree to rounding, not bit for bit; see docs/design.md.
 *
 * <p>One instance per backend, like {@link Matmul}: its fields are the current call's operands.
 */
final class Gemm implements WorkerPool.RangeTask {
    /**
     * K-block: 256 steps keep a tile's activation panel (256 × 16 floats with AVX2) in L1, and 256 is a
     * whole number of blocks of every quantized type (32 for Q8_0/Q4_0, 256 for the K-quants).
     */
    static final int KC = 256;
    /** Weight rows widened per panel: 96 × 256 floats = 96 KiB, well inside a 512 KiB L2 beside the activations. */
    static final int NC = 16 * GemmTile.WEIGHT_ROWS;

    /**
     * One packed element's cost in the vector multiply-adds {@link WorkerPool#INLINE_WORK} counts: a scalar
     * strided copy moves about one element a cycle, while the two FMA pipes do 16 multiply-adds.
     */
    static final long PACK_WORK = 16;
    private final WorkerPool pool;
    /** Packs token tiles {@code [from, to)} of the current call's activations (split across the pool). */
    private final WorkerPool.RangeTask packTiles = this::packTiles;
    private float[] xp = new float[0];
    private float[][] panels = new float[0][], sums = new float[0][];
    // The current call: its activations, and its weights side by side in one group.
    private float[] x;
    private int xOff, k, rows, padded, tileTokens, tileRows;
    private final ProductGroup group = new ProductGroup("GEMM");
    private final ProductGroup.Part product = this::product;

    Gemm(WorkerPool pool) {
        this.pool = pool;
    }

    /** {@code out[rows, n] = x[rows, k] · Wᵀ} from {@code xOff} and into {@code outOff}. */
    void run(MemorySegment w, DType dtype, int n, int k, float[] x, int xOff, int rows, float[] out, int outOff) {
        begin(x, xOff, rows, k);
        add(w, dtype, n, out, outOff);
        multiply();
    }

    /**
     * Starts a call on activations {@code x[rows, k]} (from {@code xOff}); {@link #add} its weights, then
     * {@link #multiply}. Several weights of one call share one packing of the activations and one split
     * across the pool (so one idle tail, not one per weight); each output's bits are those of {@link #run}.
     */
    void begin(float[] x, int xOff, int rows, int k) {
        this.x = x;
        this.xOff = xOff;
        this.rows = rows;
        this.k = k;
        group.clear();
    }

    /** Adds {@code out[rows, n] = x · Wᵀ} (into {@code out} from {@code outOff}, row stride n) to the call begun. */
    void add(MemorySegment w, DType dtype, int n, float[] out, int outOff) {
        if (dtype.isQuantized() && KC % dtype.blockSize() != 0) throw new IllegalStateException("K-block " + KC + " is not whole " + dtype + " blocks");
        group.add(w, dtype, n, out, outOff);
    }

    /** Runs the call begun: packs the activations, then every weight's product, all across the pool. */
    void multiply() {
        try {
            int total = group.total();
            if (rows == 0 || total == 0) return;
            // A prompt of at most one vector of tokens takes the narrow tile (12 rows × 1 vector): the same bits, half the padding.
            tileTokens = rows <= GemmTile.NARROW_TOKENS ? GemmTile.NARROW_TOKENS : GemmTile.TOKENS;
            tileRows = tileTokens == GemmTile.TOKENS ? GemmTile.WEIGHT_ROWS : GemmTile.NARROW_WEIGHT_ROWS;
            padded = GemmPack.paddedTokens(rows, tileTokens);
            if (xp.length < padded * k) xp = new float[padded * k];
            int threads = pool.parallelism();
            if (panels.length != threads) {
                panels = new float[threads][NC * KC];
                sums = new float[threads][0];
            }
            for (int t = 0; t < threads; t++) if (sums[t].length < padded * NC) sums[t] = new float[padded * NC];
            // Packing is a copy, but it ran on the caller alone before: a serial stretch in every product.
            pool.forRange(padded / tileTokens, 1, (long) padded * k * PACK_WORK, packTiles);
            pool.forRange(total, tileRows, (long) total * k * rows, this); // whole tiles per chunk inside each weight
        } finally {
            group.release(); // do not keep a closed mapping or a caller's array reachable
            x = null;
        }
    }

    private void packTiles(int from, int to, int worker) {
        GemmPack.activations(x, xOff, rows, k, KC, tileTokens, xp, from * tileTokens, to * tileTokens);
    }

    @Override public void run(int from, int to, int worker) {
        group.forEachPart(from, to, worker, product);
    }

    /** Output features {@code [from, to)} of weight {@code i}. */
    private void product(int i, int from, int to, int worker) {
        MemorySegment w = group.weight(i);
        DType dtype = group.dtype(i);
        float[] out = group.out(i);
        int n = group.rows(i), outOff = group.outOff(i);
        float[] wp = panels[worker], c = sums[worker];
        int R = tileRows, T = tileTokens, tiles = padded / T;
        boolean narrow = T == GemmTile.NARROW_TOKENS;
        for (int jc = from; jc < to; jc += NC) {
            int nr = Math.min(NC, to - jc), nrPad = (nr + R - 1) / R * R;
            // Partial sums of this panel, tile after tile: token tile tb, rows jm.. at (tb·nrPad + jm)·T.
            Arrays.fill(c, 0, tiles * nrPad * T, 0f);
            for (int pc = 0; pc < k; pc += KC) {
                int kcb = Math.min(KC, k - pc);
                GemmPack.weights(w, dtype, k, jc, nr, nrPad, pc, kcb, wp);
                for (int tb = 0; tb < tiles; tb++) {
                    int xo = GemmPack.activationPanel(pc, kcb, padded, T, tb);
                    for (int jm = 0; jm < nrPad; jm += R) {
                        if (narrow) GemmTile.runNarrow(wp, jm * kcb, kcb, xp, xo, c, (tb * nrPad + jm) * T);
                        else GemmTile.run(wp, jm * kcb, kcb, xp, xo, c, (tb * nrPad + jm) * T);
                    }
                }
            }
            for (int t = 0; t < rows; t++) {
                int src = (t / T * nrPad) * T + t % T, dst = outOff + t * n + jc;
                for (int r = 0; r < nr; r++) out[dst + r] = c[src + r * T];
            }
        }
    }
}
