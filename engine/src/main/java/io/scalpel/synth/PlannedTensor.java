package io.scalpel.synth;

/**
 * One tensor a synthetic checkpoint will hold, before any byte exists: its name in the target
 * format, its row-major shape, and what fills it.
 */
public record PlannedTensor(String name, long[] shape, Fill fill) {

    /** What a tensor holds: random weights, ones (RMSNorm gains), or zeros (llama2.c's unused RoPE tables). */
    public enum Fill { RANDOM, ONES, ZEROS }

    public PlannedTensor {
        shape = shape.clone();
    }

    @Override public long[] shape() { return shape.clone(); }

    public long elements() {
        long n = 1;
        for (long d : shape) n = Math.multiplyExact(n, d);
        return n;
    }
}
