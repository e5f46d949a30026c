package io.scalpel.backend;

/**
 * An fp32 working buffer owned by a {@link Backend}: host memory for the CPU backend, device memory
 * for CUDA. A slice is a view of the same storage, so an op can write straight into part of a larger
 * buffer (a KV-cache position range, say) without a copy.
 */
public interface Buffer extends AutoCloseable {
    /** Number of fp32 elements visible through this view. */
    long length();

    /** A view of {@code length} elements starting at {@code offset} of this view. */
    Buffer slice(long offset, long length);

    /** Frees the storage if this is the owning view; closing a slice does nothing. */
    @Override void close();
}
