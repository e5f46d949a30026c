package io.scalpel.backend.cuda;

import jcuda.Pointer;
import jcuda.driver.JCudaDriver;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A page-locked host buffer every host↔device copy goes through: the DMA engine reads and writes it
 * directly (pageable memory would be copied once more by the driver, and async copies from it are not
 * asynchronous). Transfers larger than it go in chunks.
 */
final class PinnedStaging implements AutoCloseable {
    private final Pointer host;
    private final MemorySegment segment;
    private final long capacity;
    private boolean freed;

    private PinnedStaging(Pointer host, MemorySegment segment, long capacity) {
        this.host = host;
        this.segment = segment;
        this.capacity = capacity;
    }

    static PinnedStaging allocate(long capacity) {
        Pointer host = new Pointer();
        CuResults.check(JCudaDriver.cuMemAllocHost(host, capacity), "cuMemAllocHost of " + capacity + " bytes (pinned staging buffer)");
        ByteBuffer buffer = host.getByteBuffer(0, capacity).order(ByteOrder.LITTLE_ENDIAN);
        return new PinnedStaging(host, MemorySegment.ofBuffer(buffer), capacity);
    }

    Pointer pointer() { return host; }

    /** The pinned bytes as a segment (little-endian access through {@code Tensor.F32_LE} etc.). */
    MemorySegment segment() { return segment; }

    long capacity() { return capacity; }

    @Override public void close() {
        if (freed) return;
        freed = true;
        CuResults.check(JCudaDriver.cuMemFreeHost(host), "cuMemFreeHost of the pinned staging buffer");
    }
}
