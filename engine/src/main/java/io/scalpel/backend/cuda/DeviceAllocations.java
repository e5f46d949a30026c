package io.scalpel.backend.cuda;

import io.scalpel.backend.cuda.driver.CudaFailure;
import io.scalpel.backend.cuda.driver.MemoryInfo;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;

/**
 * Allocates device memory for one backend and remembers what is still live, so
 * {@link io.scalpel.backend.Backend#close()} frees every buffer and weight the caller did not.
 */
final class DeviceAllocations implements AutoCloseable {
    private final CudaContext context;
    private final Set<DeviceMemory> live = Collections.newSetFromMap(new IdentityHashMap<>());

    DeviceAllocations(CudaContext context) { this.context = context; }

    /** {@code bytes} of device memory (at least 256, so empty buffers still have an address), 256-byte aligned. */
    DeviceMemory allocate(long bytes, String purpose) {
        context.bind();
        long size = Math.max(bytes, 256);
        long address;
        try {
            address = context.driver().allocate(size);
        } catch (CudaFailure e) {
            String where;
            try {
                MemoryInfo info = context.memoryInfo();
                where = " (" + MemoryFit.gib(info.free()) + " free of " + MemoryFit.gib(info.total()) + ")";
            } catch (RuntimeException ignored) {
                where = "";  // a sticky error fails the query too; the allocation's own error is the one to report
            }
            throw e.during("cuMemAlloc of " + size + " bytes for " + purpose + " on " + context.deviceName() + where);
        }
        DeviceMemory memory = new DeviceMemory(this, address, size, purpose);
        live.add(memory);
        return memory;
    }

    /**
     * Called by {@link DeviceMemory#close()}. Waits for queued work first (a kernel may still read it), and
     * frees the memory even when that wait reports an earlier fault, so a failure leaks nothing.
     */
    void release(DeviceMemory memory) {
        if (!live.remove(memory)) return;
        RuntimeException first = null;
        try {
            context.bind();
            context.synchronize("work queued before freeing " + memory.purpose());
        } catch (RuntimeException e) {
            first = e;
        }
        try {
            context.driver().free(memory.base());
        } catch (RuntimeException e) {
            RuntimeException described = e instanceof CudaFailure f ? f.during("cuMemFree of " + memory.bytes() + " bytes (" + memory.purpose() + ")") : e;
            if (first == null) first = described; else first.addSuppressed(described);
        }
        if (first != null) throw first;
    }

    /** Bytes currently allocated through this object. */
    long liveBytes() {
        long sum = 0;
        for (DeviceMemory m : live) sum += m.bytes();
        return sum;
    }

    /** Frees whatever is still live, attempting every free even after a failure, then reports the first. */
    @Override public void close() {
        RuntimeException first = null;
        for (DeviceMemory m : new ArrayList<>(live)) {
            try {
                m.close();
            } catch (RuntimeException e) {
                if (first == null) first = e; else first.addSuppressed(e);
            }
        }
        if (first != null) throw first;
    }
}
