package io.scalpel.backend.cuda;

import jcuda.driver.CUdeviceptr;
import jcuda.driver.JCudaDriver;

/**
 * One {@code cuMemAlloc} allocation. Closing it frees the memory once (later closes do nothing) and
 * tells the {@link DeviceAllocations} that made it, so the backend can free whatever is left when it closes.
 */
final class DeviceMemory implements AutoCloseable {
    private final DeviceAllocations owner;
    private final CUdeviceptr pointer;
    private final long bytes;
    private final String purpose;
    private boolean freed;

    DeviceMemory(DeviceAllocations owner, CUdeviceptr pointer, long bytes, String purpose) {
        this.owner = owner;
        this.pointer = pointer;
        this.bytes = bytes;
        this.purpose = purpose;
    }

    /** The device address {@code byteOffset} bytes in. */
    CUdeviceptr at(long byteOffset) {
        if (freed) throw new IllegalStateException("device memory for " + purpose + " was freed");
        if (byteOffset < 0 || byteOffset > bytes) throw new IndexOutOfBoundsException("offset " + byteOffset + " in " + bytes + " bytes of " + purpose);
        return byteOffset == 0 ? pointer : pointer.withByteOffset(byteOffset);
    }

    long bytes() { return bytes; }

    String purpose() { return purpose; }

    boolean isFreed() { return freed; }

    @Override public void close() {
        if (freed) return;
        freed = true;
        owner.release(this);
    }

    /** Frees the device memory; called by the owner with its context current. */
    void free() {
        CuResults.check(JCudaDriver.cuMemFree(pointer), () -> "cuMemFree of " + bytes + " bytes (" + purpose + ")");
    }
}
