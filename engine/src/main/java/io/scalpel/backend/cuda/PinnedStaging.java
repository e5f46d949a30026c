package io.scalpel.backend.cuda;

import io.scalpel.backend.cuda.driver.CudaDriver;
import io.scalpel.backend.cuda.driver.CudaFailure;

import java.lang.foreign.MemorySegment;

/**
 * A page-locked host buffer every host↔device copy goes through: the DMA engine reads and writes it
 * directly (pageable memory would be copied once more by the driver, and async copies from it are not
 * asynchronous). Transfers larger than it go in chunks.
 */
final class PinnedStaging implements AutoCloseable {
    private final CudaDriver driver;
    private final CudaDriver.HostMemory host;
    private final long capacity;
    private boolean freed;

    private PinnedStaging(CudaDriver driver, CudaDriver.HostMemory host, long capacity) {
        this.driver = driver;
        this.host = host;
        this.capacity = capacity;
    }

    static PinnedStaging allocate(CudaDriver driver, long capacity) {
        try {
            return new PinnedStaging(driver, driver.allocateHost(capacity), capacity);
        } catch (CudaFailure e) {
            throw e.during("cuMemAllocHost of " + capacity + " bytes (pinned staging buffer)");
        }
    }

    CudaDriver.HostMemory memory() { return host; }

    /** The pinned bytes as a segment (little-endian access through {@code Tensor.F32_LE} etc.). */
    MemorySegment segment() { return host.segment(); }

    long capacity() { return capacity; }

    @Override public void close() {
        if (freed) return;
        freed = true;
        try {
            driver.freeHost(host);
        } catch (CudaFailure e) {
            throw e.during("cuMemFreeHost of the pinned staging buffer");
        }
    }
}
