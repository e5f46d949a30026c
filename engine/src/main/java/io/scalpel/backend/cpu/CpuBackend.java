package io.scalpel.backend.cpu;

import io.scalpel.backend.Backend;
import io.scalpel.backend.Buffer;
import io.scalpel.backend.Weight;
import io.scalpel.tensor.DType;
import io.scalpel.tensor.Tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * The reference backend: fp32 arithmetic on the CPU with the Vector API and a fixed thread pool.
 * Weights are read in place from the checkpoint's mapping in their stored dtype; activations are heap
 * arrays. Every CUDA kernel is tested against the operation of the same name here.
 */
public final class CpuBackend implements Backend {
    private final WorkerPool pool;
    private final Matmul matmul;
    private final Attention attention;
    private final Swiglu swiglu;
    private final Arena arena = Arena.ofShared();
    /**
     * An element of a norm, RoPE or residual add, in the vector multiply-adds {@link WorkerPool#INLINE_WORK}
     * counts: a few vector operations per 8 elements against 16 multiply-adds a cycle. Prompts' row-wise ops
     * are split across the pool (each row, each element on its own: no bit changes); decode's stay inline.
     */
    private static final long ROW_OP_WORK = 4;
    /** Elements per chunk of a split residual add at least: whole vectors of any width up to 512 bits. */
    private static final int ADD_GRAIN = 64;
    /** Per-worker scratch rows for the surgery's row scans; grown on the caller thread only. */
    private float[][] scratch;

    public CpuBackend() {
        this(Runtime.getRuntime().availableProcessors());
    }

    public CpuBackend(int threads) {
        this(threads, WorkerPool.INLINE_WORK);
    }

    /**
     * @param inlineWork jobs smaller than this many multiply-adds run on the calling thread; 0 splits
     *                   every job across the pool (tests use it so tiny models exercise the split too)
     */
    public CpuBackend(int threads, long inlineWork) {
        this.pool = new WorkerPool(threads, inlineWork);
        this.matmul = new Matmul(pool);
        this.attention = new Attention(pool);
        this.swiglu = new Swiglu(pool);
        this.scratch = new float[threads][1024];
    }

    @Override public String name() { return "cpu"; }

    public int threads() { return pool.parallelism(); }

    /** The pool this backend splits its jobs across (benchmarks in this package time other work on it). */
    WorkerPool pool() { return pool; }

    private float[][] scratch(int length) {
        if (scratch[0].length < length) {
            int n = Math.max(length, scratch[0].length * 2);
            float[][] grown = new float[scratch.length][];
            for (int i = 0; i < grown.length; i++) grown[i] = new float[n];
            scratch = grown;
        }
        return scratch;
    }

    // ---- memory ----------------------------------------------------------------------------------

    @Override public Weight upload(Tensor tensor) {
        if (!tensor.dtype().isFloat()) throw new IllegalArgumentException("cannot upload non-float tensor " + tensor);
        return new CpuWeight(tensor, arena);
    }

    @Override public Buffer allocate(long length) {
        if (length > Integer.MAX_VALUE - 16) throw new IllegalArgumentException("CPU buffers hold at most 2^31 floats, asked " + length);
        return new CpuBuffer(new float[(int) length], 0, (int) length);
    }

    @Override public void write(Buffer dst, float[] src) {
        CpuBuffer d = CpuBuffer.of(dst);
        check(d, src.length);
        System.arraycopy(src, 0, d.array(), d.offset(), src.length);
    }

    @Override public void read(Buffer src, float[] dst) {
        CpuBuffer s = CpuBuffer.of(src);
        check(s, dst.length);
        System.arraycopy(s.array(), s.offset(), dst, 0, dst.length);
    }

    @Override public void copy(Buffer dst, Buffer src, long n) {
        CpuBuffer d = CpuBuffer.of(dst), s = CpuBuffer.of(src);
        check(d, n);
        check(s, n);
        System.arraycopy(s.array(), s.offset(), d.array(), d.offset(), (int) n);
    }

    private static void check(CpuBuffer b, long n) {
        if (n > b.length()) throw new IndexOutOfBoundsException("operation needs " + n + " elements, buffer has " + b.length());
    }

    // ---- forward pass ----------------------------------------------------------------------------

    @Override public void embed(Buffer out, Weight table, int[] tokens) {
        CpuBuffer o = CpuBuffer.of(out);
        CpuWeight t = CpuWeight.of(table);
        int dim = t.cols();
        check(o, (long) tokens.length * dim);
        for (int i = 0; i < tokens.length; i++) {
            if (tokens[i] < 0 || tokens[i] >= t.rows()) {
                throw new IllegalArgumentException("token id " + tokens[i] + " out of range [0, " + t.rows() + ")");
            }
            Widen.row(t.data(), t.dtype(), tokens[i], dim, o.array(), o.offset() + i * dim);
        }
    }

    @Override public void rmsNorm(Buffer out, Buffer x, Weight gamma, int rows, int dim, float eps) {
        CpuBuffer o = CpuBuffer.of(out), xi = CpuBuffer.of(x);
        check(o, (long) rows * dim);
        check(xi, (long) rows * dim);
        CpuWeight g = CpuWeight.of(gamma);
        if (g.rows() * (long) g.cols() != dim) throw new IllegalArgumentException("norm gains " + g.name() + " do not have " + dim + " elements");
        if (rows == 1) RmsNorm.run(o, xi, g.data(), g.dtype(), 0, 1, dim, eps); // decode: no hand-off, no allocation
        else pool.forRange(rows, 1, (long) rows * dim * ROW_OP_WORK, (from, to, w) -> RmsNorm.run(o, xi, g.data(), g.dtype(), from, to, dim, eps));
    }

    @Override public void matmul(Buffer out, Buffer x, Weight w, int rows) {
        CpuBuffer o = CpuBuffer.of(out), xi = CpuBuffer.of(x);
        CpuWeight cw = CpuWeight.of(w);
        int n = cw.rows(), k = cw.cols();
        check(o, (long) rows * n);
        check(xi, (long) rows * k);
        matmul.run(cw.data(), cw.dtype(), n, k, xi.array(), xi.offset(), rows, o.array(), o.offset());
    }

    /**
     * Gate and up: one split across the pool for both — for a prompt also one packing of {@code x}, for
     * decode one hand-off and one idle tail instead of two. Each output has the bits {@link #matmul} gives it.
     */
    @Override public void matmulPair(Buffer x, int rows, Buffer outA, Weight wa, Buffer outB, Weight wb) {
        if (rows == 1) {
            CpuWeight a = CpuWeight.of(wa), b = CpuWeight.of(wb);
            sameWidth(a, b);
            CpuBuffer xi = checkIn(x, 1, a);
            CpuBuffer oa = checkOut(outA, 1, a), ob = checkOut(outB, 1, b);
            matmul.begin(xi.array(), xi.offset(), a.cols());
            matmul.add(a.data(), a.dtype(), a.rows(), oa.array(), oa.offset());
            matmul.add(b.data(), b.dtype(), b.rows(), ob.array(), ob.offset());
            matmul.multiply();
        } else if (rows > 1) {
            sharedGemm(x, rows, new Buffer[]{outA, outB}, new Weight[]{wa, wb});
        }
    }

    /** Q, K and V: as {@link #matmulPair}, one split across the pool for all three. */
    @Override public void matmulTriple(Buffer x, int rows, Buffer outA, Weight wa, Buffer outB, Weight wb, Buffer outC, Weight wc) {
        if (rows == 1) {
            CpuWeight a = CpuWeight.of(wa), b = CpuWeight.of(wb), c = CpuWeight.of(wc);
            sameWidth(a, b);
            sameWidth(a, c);
            CpuBuffer xi = checkIn(x, 1, a);
            CpuBuffer oa = checkOut(outA, 1, a), ob = checkOut(outB, 1, b), oc = checkOut(outC, 1, c);
            matmul.begin(xi.array(), xi.offset(), a.cols());
            matmul.add(a.data(), a.dtype(), a.rows(), oa.array(), oa.offset());
            matmul.add(b.data(), b.dtype(), b.rows(), ob.array(), ob.offset());
            matmul.add(c.data(), c.dtype(), c.rows(), oc.array(), oc.offset());
            matmul.multiply();
        } else if (rows > 1) {
            sharedGemm(x, rows, new Buffer[]{outA, outB, outC}, new Weight[]{wa, wb, wc});
        }
    }

    /** Weights of one shared call read the same activations, so they must have one width. */
    private static void sameWidth(CpuWeight a, CpuWeight b) {
        if (b.cols() != a.cols()) throw new IllegalArgumentException(b.name() + " has " + b.cols() + " columns, " + a.name() + " " + a.cols());
    }

    private static CpuBuffer checkIn(Buffer x, int rows, CpuWeight w) {
        CpuBuffer xi = CpuBuffer.of(x);
        check(xi, (long) rows * w.cols());
        return xi;
    }

    private static CpuBuffer checkOut(Buffer out, int rows, CpuWeight w) {
        CpuBuffer o = CpuBuffer.of(out);
        check(o, (long) rows * w.rows());
        return o;
    }

    /** {@code outs[i] = x · ws[i]ᵀ} as one GEMM call: each output has the bits {@link #matmul} gives it. */
    private void sharedGemm(Buffer x, int rows, Buffer[] outs, Weight[] ws) {
        CpuWeight[] cws = new CpuWeight[ws.length];
        for (int i = 0; i < ws.length; i++) cws[i] = CpuWeight.of(ws[i]);
        for (CpuWeight cw : cws) sameWidth(cws[0], cw);
        CpuBuffer xi = checkIn(x, rows, cws[0]);
        CpuBuffer[] os = new CpuBuffer[outs.length];
        for (int i = 0; i < ws.length; i++) os[i] = checkOut(outs[i], rows, cws[i]);
        Gemm gemm = matmul.gemm();
        gemm.begin(xi.array(), xi.offset(), rows, cws[0].cols());
        for (int i = 0; i < ws.length; i++) gemm.add(cws[i].data(), cws[i].dtype(), cws[i].rows(), os[i].array(), os[i].offset());
        gemm.multiply();
    }

    @Override public void addBias(Buffer x, Weight bias, int rows) {
        CpuBuffer xi = CpuBuffer.of(x);
        CpuWeight b = CpuWeight.of(bias);
        int n = b.rows() * b.cols();
        check(xi, (long) rows * n);
        for (int r = 0; r < rows; r++) Elementwise.addStored(xi.array(), xi.offset() + r * n, b.data(), b.dtype(), n);
    }

    @Override public void rope(Buffer x, int rows, int heads, int headDim, int pos0, Buffer cos, Buffer sin) {
        CpuBuffer xi = CpuBuffer.of(x), c = CpuBuffer.of(cos), s = CpuBuffer.of(sin);
        check(xi, (long) rows * heads * headDim);
        check(c, (long) (pos0 + rows) * (headDim / 2));
        if (rows == 1) Rope.run(xi, 0, 1, heads, headDim, pos0, c, s);
        else pool.forRange(rows, 1, (long) rows * heads * headDim * ROW_OP_WORK, (from, to, w) -> Rope.run(xi, from, to, heads, headDim, pos0, c, s));
    }

    @Override public void attention(Buffer out, Buffer q, Buffer kCache, Buffer vCache, int rows, int pos0,
                                    int heads, int kvHeads, int headDim) {
        CpuBuffer o = CpuBuffer.of(out), qi = CpuBuffer.of(q), k = CpuBuffer.of(kCache), v = CpuBuffer.of(vCache);
        check(o, (long) rows * heads * headDim);
        check(k, (long) (pos0 + rows) * kvHeads * headDim);
        check(v, (long) (pos0 + rows) * kvHeads * headDim);
        attention.run(o, qi, k, v, rows, pos0, heads, kvHeads, headDim);
    }

    @Override public void swiglu(Buffer gate, Buffer up, long n) {
        CpuBuffer g = CpuBuffer.of(gate), u = CpuBuffer.of(up);
        check(g, n);
        check(u, n);
        swiglu.run(g.array(), g.offset(), u.array(), u.offset(), (int) n);
    }

    @Override public void add(Buffer x, Buffer y, long n) {
        CpuBuffer a = CpuBuffer.of(x), b = CpuBuffer.of(y);
        check(a, n);
        check(b, n);
        int len = (int) n;
        // Decode's add is below the pool's threshold: called directly, no task object made.
        if (pool.runsInline((long) len * ROW_OP_WORK)) Elementwise.add(a.array(), a.offset(), b.array(), b.offset(), len);
        else pool.forRange(len, ADD_GRAIN, (from, to, w) -> Elementwise.add(a.array(), a.offset() + from, b.array(), b.offset() + from, to - from));
    }

    @Override public int argmax(Buffer x, int n) {
        CpuBuffer b = CpuBuffer.of(x);
        check(b, n);
        return Sampling.argmax(b.array(), b.offset(), n);
    }

    @Override public int sample(Buffer logits, int n, float temperature, int topK, float topP, double uniform) {
        CpuBuffer b = CpuBuffer.of(logits);
        check(b, n);
        return Sampling.sample(b.array(), b.offset(), n, temperature, topK, topP, uniform);
    }

    // ---- surgery ---------------------------------------------------------------------------------

    @Override public void rowCosines(Buffer out, Weight w, Buffer v) {
        CpuWeight cw = CpuWeight.of(w);
        CpuBuffer o = CpuBuffer.of(out), vb = CpuBuffer.of(v);
        int n = cw.rows(), k = cw.cols();
        check(o, n);
        check(vb, k);
        float[] vec = new float[k];
        System.arraycopy(vb.array(), vb.offset(), vec, 0, k);
        float vNorm = (float) Math.sqrt(RowDot.dot(vec, 0, vec, 0, k));
        float[][] rows = scratch(k);
        MemorySegment data = cw.data();
        pool.forRange(n, (from, to, worker) -> {
            float[] row = rows[worker];
            for (int r = from; r < to; r++) {
                RowDot.widenRow(data, cw.dtype(), r, k, row);
                float dot = RowDot.dot(row, 0, vec, 0, k);
                float norm = (float) Math.sqrt(RowDot.dot(row, 0, row, 0, k));
                o.array()[o.offset() + r] = norm == 0 || vNorm == 0 ? 0f : dot / (norm * vNorm);
            }
        });
    }

    @Override public void addToRows(Weight w, int[] rows, Buffer v, float alpha) {
        CpuWeight cw = CpuWeight.of(w);
        CpuBuffer vb = CpuBuffer.of(v);
        int k = cw.cols();
        check(vb, k);
        MemorySegment data = cw.writableData();
        DType dt = cw.dtype();
        if (dt.isQuantized()) {
            QuantRowUpdate.addToRows(data, dt, k, rows, vb.array(), vb.offset(), alpha, cw.rows());
            return;
        }
        for (int r : rows) {
            checkRow(cw, r);
            long base = (long) r * k;
            for (int i = 0; i < k; i++) {
                float updated = RowUpdate.apply(read(data, dt, base + i), alpha, vb.array()[vb.offset() + i]);
                store(data, dt, base + i, updated);
            }
        }
    }

    @Override public byte[] readRows(Weight w, int[] rows) {
        CpuWeight cw = CpuWeight.of(w);
        long rowBytes = cw.dtype().rowBytes(cw.cols());
        byte[] out = new byte[Math.toIntExact(rowBytes * rows.length)];
        MemorySegment dst = MemorySegment.ofArray(out);
        for (int i = 0; i < rows.length; i++) {
            checkRow(cw, rows[i]);
            MemorySegment.copy(cw.data(), rows[i] * rowBytes, dst, i * rowBytes, rowBytes);
        }
        return out;
    }

    @Override public void writeRows(Weight w, int[] rows, byte[] bits) {
        CpuWeight cw = CpuWeight.of(w);
        long rowBytes = cw.dtype().rowBytes(cw.cols());
        if (bits.length != rowBytes * rows.length) {
            throw new IllegalArgumentException("writeRows: " + bits.length + " bytes for " + rows.length + " rows of " + rowBytes);
        }
        MemorySegment data = cw.writableData();
        MemorySegment src = MemorySegment.ofArray(bits);
        for (int i = 0; i < rows.length; i++) {
            checkRow(cw, rows[i]);
            MemorySegment.copy(src, i * rowBytes, data, rows[i] * rowBytes, rowBytes);
        }
    }

    private static void checkRow(CpuWeight w, int r) {
        if (r < 0 || r >= w.rows()) throw new IndexOutOfBoundsException("row " + r + " of " + w.name() + " with " + w.rows() + " rows");
    }

    private static float read(MemorySegment s, DType dt, long i) {
        return switch (dt) {
            case F32 -> s.getAtIndex(Tensor.F32_LE, i);
            default -> dt.decode(s.getAtIndex(Tensor.I16_LE, i));
        };
    }

    private static void store(MemorySegment s, DType dt, long i, float v) {
        switch (dt) {
            case F32 -> s.setAtIndex(Tensor.F32_LE, i, v);
            default -> s.setAtIndex(Tensor.I16_LE, i, (short) dt.encode(v));
        }
    }

    @Override public void close() {
        pool.close();
        arena.close();
    }
}
