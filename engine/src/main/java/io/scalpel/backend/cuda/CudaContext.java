package io.scalpel.backend.cuda;

import io.scalpel.backend.cuda.driver.CudaFailure;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdevice_attribute;
import jcuda.driver.CUstream;
import jcuda.driver.JCudaDriver;

import java.nio.charset.StandardCharsets;

/**
 * One device's primary context (the one cuBLAS and the runtime API share) and the single stream every
 * operation of a backend is queued on, so queue order is program order. Driver calls act on the
 * calling thread's current context: {@link #bind()} makes ours current, and the backend calls it at the
 * start of every operation (JMH and thread pools call from threads other than the creator's).
 */
final class CudaContext implements AutoCloseable {
    private final CUdevice device;
    private final CUcontext context;
    private final CUstream stream;
    private final String name;
    private final int multiprocessors;
    private final int sharedPerBlockOptIn;
    private boolean closed;

    private CudaContext(CUdevice device, CUcontext context, CUstream stream, String name, int multiprocessors, int sharedPerBlockOptIn) {
        this.device = device;
        this.context = context;
        this.stream = stream;
        this.name = name;
        this.multiprocessors = multiprocessors;
        this.sharedPerBlockOptIn = sharedPerBlockOptIn;
    }

    /** Retains device {@code index}'s primary context and creates the stream. Call only after {@link CudaAvailability#probe()} said usable. */
    static CudaContext open(int index) {
        CUdevice device = new CUdevice();
        CuResults.check(JCudaDriver.cuDeviceGet(device, index), "cuDeviceGet(" + index + ")");
        byte[] raw = new byte[256];
        CuResults.check(JCudaDriver.cuDeviceGetName(raw, raw.length, device), "cuDeviceGetName");
        int end = 0;
        while (end < raw.length && raw[end] != 0) end++;
        String name = new String(raw, 0, end, StandardCharsets.UTF_8);
        int[] value = new int[1];
        CuResults.check(JCudaDriver.cuDeviceGetAttribute(value, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT, device), "multiprocessor count");
        int sms = value[0];
        CuResults.check(JCudaDriver.cuDeviceGetAttribute(value, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN, device),
                "shared memory per block (opt-in)");
        int sharedOptIn = value[0];
        CUcontext context = new CUcontext();
        CuResults.check(JCudaDriver.cuDevicePrimaryCtxRetain(context, device), "cuDevicePrimaryCtxRetain on " + name);
        try {
            CuResults.check(JCudaDriver.cuCtxSetCurrent(context), "cuCtxSetCurrent on " + name);
            CUstream stream = new CUstream();
            CuResults.check(JCudaDriver.cuStreamCreate(stream, 0), "cuStreamCreate on " + name);
            return new CudaContext(device, context, stream, name, sms, sharedOptIn);
        } catch (RuntimeException e) {
            CudaFailure release = CuResults.collect(null, JCudaDriver.cuDevicePrimaryCtxRelease(device), "cuDevicePrimaryCtxRelease");
            if (release != null) e.addSuppressed(release);
            throw e;
        }
    }

    /** Makes this context current on the calling thread. */
    void bind() {
        if (closed) throw new IllegalStateException("CUDA backend on " + name + " is closed");
        CuResults.check(JCudaDriver.cuCtxSetCurrent(context), "cuCtxSetCurrent on " + name);
    }

    CUstream stream() { return stream; }

    String deviceName() { return name; }

    int multiprocessors() { return multiprocessors; }

    int sharedPerBlockOptIn() { return sharedPerBlockOptIn; }

    /** Waits for everything queued; an error from an earlier asynchronous launch surfaces here. */
    void synchronize(String after) {
        CuResults.check(JCudaDriver.cuStreamSynchronize(stream), () -> "stream synchronize on " + name + " (after " + after + ")");
    }

    /** Free and total device memory in bytes. */
    long[] memoryInfo() {
        long[] free = new long[1], total = new long[1];
        CuResults.check(JCudaDriver.cuMemGetInfo(free, total), "cuMemGetInfo on " + name);
        return new long[] {free[0], total[0]};
    }

    /** Attempts every step even after a failure (a sticky device fault fails them all), then reports the first. */
    @Override public void close() {
        if (closed) return;
        closed = true;
        CudaFailure first = CuResults.collect(null, JCudaDriver.cuCtxSetCurrent(context), "cuCtxSetCurrent on close (" + name + ")");
        first = CuResults.collect(first, JCudaDriver.cuStreamSynchronize(stream), "stream synchronize on close (" + name + ")");
        first = CuResults.collect(first, JCudaDriver.cuStreamDestroy(stream), "cuStreamDestroy (" + name + ")");
        first = CuResults.collect(first, JCudaDriver.cuDevicePrimaryCtxRelease(device), "cuDevicePrimaryCtxRelease (" + name + ")");
        if (first != null) throw first;
    }
}
