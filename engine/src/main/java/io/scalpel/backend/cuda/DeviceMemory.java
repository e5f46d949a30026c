package io.scalpel.backend.cuda;

/**
 * One device allocation. Closing it frees the memory once (later closes do nothing) and tells the
 * {@link DeviceAllocations} that made it, so the backend can free whatever is left when it closes.
 */
final class DeviceMemory implements AutoCloseable {
    private final DeviceAllocations owner;
    private final long address;
    private final long bytes;
    private final String purpose;
    private boolean freed;

    DeviceMemory(DeviceAllocations owner, long address, long bytes, String purpose) {
        this.owner = owner;
        this.address = address;
        this.bytes = bytes;
        this.purpose = purpose;
    }

    /** The device address {@code byteOffset} bytes in. */
    long at(long byteOffset) {
        if (freed) throw new IllegalStateException("device memory for " + purpose + " was freed");
        if (byteOffset < 0 || byteOffset > bytes) throw new IndexOutOfBoundsException("offset " + byteOffset + " in " + bytes + " bytes of " + purpose);
        return address + byteOffset;
    }

    /** The allocation's base address (for freeing; valid even after {@link #close()} marked it freed). */
    long base() { return address; }

    long bytes() { return bytes; }

    String purpose() { return purpose; }

    boolean isFreed() { return freed; }

    @Override public void close() {
        if (freed) return;
        freed = true;
        owner.release(this);
    }
}
