package io.scalpel.backend.cuda;

import io.scalpel.backend.Weight;
import io.scalpel.tensor.DType;
import io.scalpel.tensor.Tensor;

/**
 * A weight resident in device memory in {@code dtype} — the checkpoint's dtype, or F16/BF16 when an F32
 * checkpoint was cast on upload. Its {@link #source()} is the host tensor it came from; surgery edits
 * the device copy only, so the source's bytes go stale after an edit (as {@link Weight#source()} allows).
 */
final class CudaWeight implements Weight {
    private final Tensor source;
    private final DType dtype;
    private final int rows;
    private final int cols;
    private final DeviceMemory memory;

    CudaWeight(Tensor source, DType dtype, int rows, int cols, DeviceMemory memory) {
        this.source = source;
        this.dtype = dtype;
        this.rows = rows;
        this.cols = cols;
        this.memory = memory;
    }

    static CudaWeight of(Weight w) {
        if (w instanceof CudaWeight c) return c;
        throw new IllegalArgumentException("weight " + w.name() + " does not belong to the CUDA backend");
    }

    long pointer() { return memory.at(0); }

    /** Bytes of one row in device memory. */
    long rowBytes() { return dtype.rowBytes(cols); }

    @Override public String name() { return source.name(); }

    @Override public DType dtype() { return dtype; }

    @Override public int rows() { return rows; }

    @Override public int cols() { return cols; }

    @Override public Tensor source() { return source; }

    @Override public void close() { memory.close(); }

    @Override public String toString() { return name() + ":" + dtype + "[" + rows + "," + cols + "]@cuda"; }
}
