package io.scalpel.backend.cpu;

import io.scalpel.tensor.DType;

import java.lang.foreign.MemorySegment;

/**
 * The weights of one matrix-product call that multiply the same activations (Q, K and V; gate and up),
 * laid end to end: weight {@code i}'s output features are rows {@code [first(i), first(i + 1))} of the
 * call's index range, so one split across the pool covers them all — one hand-off and one idle tail — and
 * a chunk may span two weights ({@link #forEachPart}). Reused call after call, so nothing is allocated.
 */
final class ProductGroup {
    /** Most weights one call multiplies by the same activations (Q, K and V). */
    static final int MAX_WEIGHTS = 3;

    /** Output features {@code [from, to)} of weight {@code i} of the group (rows of that weight). */
    @FunctionalInterface
    interface Part {
        void run(int i, int from, int to, int worker);
    }

    private final String call;
    private final MemorySegment[] w = new MemorySegment[MAX_WEIGHTS];
    private final DType[] dtype = new DType[MAX_WEIGHTS];
    private final int[] first = new int[MAX_WEIGHTS + 1], outOff = new int[MAX_WEIGHTS];
    private final float[][] out = new float[MAX_WEIGHTS][];
    private int count;

    /** @param call what the group's call is, for the error when it is given too many weights */
    ProductGroup(String call) {
        this.call = call;
    }

    /** Starts an empty group. */
    void clear() { count = 0; }

    /** Adds {@code out[·, n] = x · Wᵀ} (into {@code out} from {@code outOff}) to the group. */
    void add(MemorySegment w, DType dtype, int n, float[] out, int outOff) {
        if (count == MAX_WEIGHTS) throw new IllegalStateException("a " + call + " call takes at most " + MAX_WEIGHTS + " weights");
        this.w[count] = w;
        this.dtype[count] = dtype;
        this.out[count] = out;
        this.outOff[count] = outOff;
        first[count + 1] = first[count] + n;
        count++;
    }

    int count() { return count; }

    /** Output features of all the group's weights together. */
    int total() { return first[count]; }

    MemorySegment weight(int i) { return w[i]; }

    DType dtype(int i) { return dtype[i]; }

    float[] out(int i) { return out[i]; }

    int outOff(int i) { return outOff[i]; }

    /** Output features (rows) of weight {@code i}. */
    int rows(int i) { return first[i + 1] - first[i]; }

    /** Runs {@code part} on each weight's share of the group's rows {@code [from, to)}, in order. */
    void forEachPart(int from, int to, int worker, Part part) {
        for (int i = 0; i < count; i++) {
            int a = Math.max(from, first[i]), b = Math.min(to, first[i + 1]);
            if (a < b) part.run(i, a - first[i], b - first[i], worker);
        }
    }

    /** Drops the references, so that a closed mapping or a caller's arrays are not kept reachable. */
    void release() {
        for (int i = 0; i < MAX_WEIGHTS; i++) {
            w[i] = null;
            out[i] = null;
        }
    }
}
