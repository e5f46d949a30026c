package io.scalpel.backend.cuda;

/**
 * A device work area that grows on demand (row-id lists, attention partials, argmax partials, packed
 * rows). Growing frees the old allocation, which first waits for queued kernels that may still use it.
 */
final class DeviceScratch implements AutoCloseable {
    private final DeviceAllocations allocations;
    private final String purpose;
    private DeviceMemory memory;

    DeviceScratch(DeviceAllocations allocations, String purpose) {
        this.allocations = allocations;
        this.purpose = purpose;
    }

    /** At least {@code bytes} of scratch, as a device address; the contents are not kept across growth. */
    long atLeast(long bytes) {
        if (memory == null || memory.isFreed() || memory.bytes() < bytes) {
            if (memory != null) memory.close();
            long size = Math.max(bytes, memory == null ? 4096 : 2 * memory.bytes());  // doubling: few regrowths
            memory = allocations.allocate(size, purpose);
        }
        return memory.at(0);
    }

    @Override public void close() {
        if (memory != null) memory.close();
    }
}
