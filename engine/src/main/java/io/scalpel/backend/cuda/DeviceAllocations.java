package io.scalpel.backend.cuda;

import jcuda.driver.CUdeviceptr;
import jcuda.driver.JCudaDriver;

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
        CUdeviceptr pointer = new CUdeviceptr();
        CuResults.check(JCudaDriver.cuMemAlloc(pointer, size), () -> {
            long[] info = context.memoryInfo();
            return "cuMemAlloc of " + size + " bytes for " + purpose + " on " + context.deviceName()
                    + " (" + MemoryFit.gib(info[0]) + " free of " + MemoryFit.gib(info[1]) + ")";
        });
        DeviceMemory memory = new DeviceMemory(this, pointer, size, purpose);
        live.add(memory);
        return memory;
    }

    /** Called by {@link DeviceMemory#close()}. Waits for queued work first: a kernel may still read it. */
    void release(DeviceMemory memory) {
        if (!live.remove(memory)) return;
        context.bind();
        context.synchronize("work queued before freeing " + memory.purpose());
        memory.free();
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
