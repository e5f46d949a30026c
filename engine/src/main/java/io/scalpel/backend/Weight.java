package io.scalpel.backend;

import io.scalpel.tensor.DType;
import io.scalpel.tensor.Tensor;

/**
 * A weight made resident by {@link Backend#upload}, kept in its stored dtype (F32, F16 or BF16).
 * Matrices are [rows, cols] row-major: the forward pass computes {@code x · Wᵀ}, so a row is one
 * output feature — for {@code gate_proj} a row is what the surgery edits.
 */
public interface Weight extends AutoCloseable {
    String name();

    DType dtype();

    /** Rows (first dimension; 1 for a vector). */
    int rows();

    /** Columns (last dimension). */
    int cols();

    /** The tensor this weight was uploaded from (its shape and name; its bytes may be stale after edits on a device). */
    Tensor source();

    @Override void close();
}
