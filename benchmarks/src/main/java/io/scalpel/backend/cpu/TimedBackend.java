package io.scalpel.backend.cpu;

import io.scalpel.backend.Backend;
import io.scalpel.backend.Buffer;
import io.scalpel.backend.Weight;
import io.scalpel.tensor.Tensor;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A backend that forwards every call to another and, while {@link #timing} is on, adds each forward-pass
 * call's wall time to a total per operation (matrix products per weight shape), so a decode step can be
 * split into where its time goes. A {@code System.nanoTime} pair costs ~50 ns, against ~200 calls per
 * 110M step of ~30 ms.
 */
final class TimedBackend implements Backend {
    /** Accumulated nanoseconds and calls of one operation. */
    static final class Total {
        long nanos, calls;
    }

    private final Backend inner;
    private final Map<String, Total> totals = new LinkedHashMap<>();
    boolean timing;

    TimedBackend(Backend inner) {
        this.inner = inner;
    }

    Map<String, Total> totals() { return totals; }

    void clear() { totals.clear(); }

    private long start() { return timing ? System.nanoTime() : 0; }

    private void stop(String op, long t0) {
        if (!timing) return;
        long t = System.nanoTime() - t0;
        Total total = totals.computeIfAbsent(op, o -> new Total());
        total.nanos += t;
        total.calls++;
    }

    private static String shape(Weight w) { return w.rows() + "x" + w.cols(); }

    @Override public String name() { return inner.name(); }
    @Override public Weight upload(Tensor tensor) { return inner.upload(tensor); }
    @Override public Buffer allocate(long length) { return inner.allocate(length); }
    @Override public void write(Buffer dst, float[] src) { inner.write(dst, src); }
    @Override public void read(Buffer src, float[] dst) { inner.read(src, dst); }
    @Override public void copy(Buffer dst, Buffer src, long n) { inner.copy(dst, src, n); }

    @Override public void embed(Buffer out, Weight table, int[] tokens) {
        long t0 = start();
        inner.embed(out, table, tokens);
        stop("embed", t0);
    }

    @Override public void rmsNorm(Buffer out, Buffer x, Weight gamma, int rows, int dim, float eps) {
        long t0 = start();
        inner.rmsNorm(out, x, gamma, rows, dim, eps);
        stop("rmsNorm", t0);
    }

    @Override public void matmul(Buffer out, Buffer x, Weight w, int rows) {
        long t0 = start();
        inner.matmul(out, x, w, rows);
        stop("matmul " + shape(w), t0);
    }

    @Override public void matmulPair(Buffer x, int rows, Buffer outA, Weight wa, Buffer outB, Weight wb) {
        long t0 = start();
        inner.matmulPair(x, rows, outA, wa, outB, wb);
        stop("matmul gate+up " + shape(wa), t0);
    }

    @Override public void matmulTriple(Buffer x, int rows, Buffer outA, Weight wa, Buffer outB, Weight wb, Buffer outC, Weight wc) {
        long t0 = start();
        inner.matmulTriple(x, rows, outA, wa, outB, wb, outC, wc);
        stop("matmul q+k+v " + shape(wa), t0);
    }

    @Override public void addBias(Buffer x, Weight bias, int rows) {
        long t0 = start();
        inner.addBias(x, bias, rows);
        stop("addBias", t0);
    }

    @Override public void rope(Buffer x, int rows, int heads, int headDim, int pos0, Buffer cos, Buffer sin) {
        long t0 = start();
        inner.rope(x, rows, heads, headDim, pos0, cos, sin);
        stop("rope", t0);
    }

    @Override public void attention(Buffer out, Buffer q, Buffer kCache, Buffer vCache, int rows, int pos0, int heads, int kvHeads, int headDim) {
        long t0 = start();
        inner.attention(out, q, kCache, vCache, rows, pos0, heads, kvHeads, headDim);
        stop("attention", t0);
    }

    @Override public void swiglu(Buffer gate, Buffer up, long n) {
        long t0 = start();
        inner.swiglu(gate, up, n);
        stop("swiglu", t0);
    }

    @Override public void add(Buffer x, Buffer y, long n) {
        long t0 = start();
        inner.add(x, y, n);
        stop("add", t0);
    }

    @Override public int argmax(Buffer x, int n) {
        long t0 = start();
        int r = inner.argmax(x, n);
        stop("argmax", t0);
        return r;
    }

    @Override public int sample(Buffer logits, int n, float temperature, int topK, float topP, double uniform) {
        return inner.sample(logits, n, temperature, topK, topP, uniform);
    }

    @Override public void rowCosines(Buffer out, Weight w, Buffer v) { inner.rowCosines(out, w, v); }
    @Override public void addToRows(Weight w, int[] rows, Buffer v, float alpha) { inner.addToRows(w, rows, v, alpha); }
    @Override public byte[] readRows(Weight w, int[] rows) { return inner.readRows(w, rows); }
    @Override public void writeRows(Weight w, int[] rows, byte[] bits) { inner.writeRows(w, rows, bits); }
    @Override public void close() { inner.close(); }
}
