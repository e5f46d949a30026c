package io.scalpel.backend.cuda;

import io.scalpel.backend.Buffer;

/**
 * An fp32 buffer in device memory, or a view of part of one. Only the owning view frees the memory.
 */
final class CudaBuffer implements Buffer {
    private final DeviceMemory memory;
    private final long offset;  // in floats, from the start of the allocation
    private final long length;
    private final boolean owner;

    private CudaBuffer(DeviceMemory memory, long offset, long length, boolean owner) {
        this.memory = memory;
        this.offset = offset;
        this.length = length;
        this.owner = owner;
    }

    static CudaBuffer owning(DeviceMemory memory, long length) { return new CudaBuffer(memory, 0, length, true); }

    static CudaBuffer of(Buffer b) {
        if (b instanceof CudaBuffer c) return c;
        throw new IllegalArgumentException("buffer " + b + " does not belong to the CUDA backend");
    }

    /** Device address of element 0 of this view. */
    long pointer() { return memory.at(offset * Float.BYTES); }

    /** Device address of element {@code index} of this view. */
    long pointer(long index) { return memory.at((offset + index) * Float.BYTES); }

    @Override public long length() { return length; }

    @Override public Buffer slice(long sliceOffset, long sliceLength) {
        if (sliceOffset < 0 || sliceLength < 0 || sliceOffset + sliceLength > length) {
            throw new IndexOutOfBoundsException("slice [" + sliceOffset + ", " + (sliceOffset + sliceLength) + ") of a buffer of " + length);
        }
        return new CudaBuffer(memory, offset + sliceOffset, sliceLength, false);
    }

    @Override public void close() {
        if (owner) memory.close();
    }

    @Override public String toString() { return "CudaBuffer[" + length + " floats" + (owner ? "" : " at " + offset) + "]"; }
}
